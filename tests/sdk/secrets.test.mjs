// @azure/keyvault-secrets against coldvault serve: every secret operation, paging, backup/restore.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, request, API } from "./harness.mjs";

let server, client;
before(async () => {
  server = await startServer();
  client = server.secrets();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

const fast = { intervalInMs: 50 };

test("set, get latest and by version, ids on the client's origin", async () => {
  const s1 = await client.setSecret("app-pass", "v-one", { contentType: "text/plain", tags: { env: "test" } });
  assert.equal(s1.value, "v-one");
  assert.equal(s1.properties.vaultUrl, server.url);
  assert.match(s1.properties.version, /^[0-9a-f]{32}$/);
  const s2 = await client.setSecret("app-pass", "v-two");
  const latest = await client.getSecret("app-pass");
  assert.equal(latest.value, "v-two");
  assert.equal(latest.properties.version, s2.properties.version);
  const old = await client.getSecret("app-pass", { version: s1.properties.version });
  assert.equal(old.value, "v-one");
  assert.equal(old.properties.contentType, "text/plain");
  assert.deepEqual(old.properties.tags, { env: "test" });
  assert.equal(old.properties.enabled, true);
  assert.equal(old.properties.recoveryLevel, "Recoverable+Purgeable");
});

test("update properties keeps omitted fields; disabled version is 403", async () => {
  const s = await client.setSecret("upd", "x", { contentType: "text/a", tags: { a: "1" } });
  const exp = new Date(Date.now() + 86400_000);
  exp.setMilliseconds(0);
  const u = await client.updateSecretProperties("upd", s.properties.version, { enabled: false, expiresOn: exp });
  assert.equal(u.enabled, false);
  assert.equal(u.contentType, "text/a");
  assert.deepEqual(u.tags, { a: "1" });
  assert.equal(u.expiresOn.getTime(), exp.getTime());
  await assert.rejects(client.getSecret("upd"), (e) => e.statusCode === 403 && /disabled/.test(e.message));
  await client.updateSecretProperties("upd", "", { enabled: true });  // PATCH /secrets/upd/ = latest
  assert.equal((await client.getSecret("upd")).value, "x");
});

test("list and list versions page with maxresults and nextLink", async () => {
  for (let i = 0; i < 7; i++) await client.setSecret(`page-${i}`, `v${i}`);
  for (let i = 0; i < 5; i++) await client.setSecret("many", `v${i}`);
  const names = [];
  let pages = 0;
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
    assert.ok(page.length <= 2);
    pages++;
    for (const p of page) names.push(p.name);
  }
  for (let i = 0; i < 7; i++) assert.ok(names.includes(`page-${i}`));
  assert.ok(pages >= 5);
  const versions = [];
  for await (const page of client.listPropertiesOfSecretVersions("many").byPage({ maxPageSize: 2 }))
    for (const p of page) versions.push(p.version);
  assert.equal(versions.length, 5);
  assert.equal(new Set(versions).size, 5);
  // nextLink is absolute, on the same origin, with a skiptoken.
  const r = await request(server, "GET", `/secrets?${API}&maxresults=1`);
  assert.equal(r.status, 200);
  assert.ok(r.body.nextLink.startsWith(`${server.url}/secrets?`), r.body.nextLink);
  assert.match(r.body.nextLink, /\$skiptoken=/);
});

test("paging resumes after the last item listed: deletes and inserts between pages skip and repeat nothing", async () => {
  for (const n of ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e"]) await client.setSecret(n, "x");
  const seen = [];
  let deleted = false, inserted = false;
  for await (const page of client.listPropertiesOfSecrets().byPage({ maxPageSize: 2 })) {
    for (const p of page) if (p.name.startsWith("pg-")) seen.push(p.name);
    // Between pages: first an already-listed name goes away (an offset would then skip an unlisted name),
    // on the next page a new name appears before the cursor (an offset would then list one twice).
    if (deleted && !inserted) {
      await client.setSecret("pg-0", "x");
      inserted = true;
    }
    if (!deleted && seen.includes("pg-a")) {
      await (await client.beginDeleteSecret("pg-a", fast)).pollUntilDone();
      deleted = true;
    }
  }
  assert.ok(deleted && inserted);
  for (const n of ["pg-a", "pg-b", "pg-c", "pg-d", "pg-e"]) assert.equal(seen.filter((m) => m === n).length, 1, `${n} in ${seen}`);
  // A forged or old-form token is a 400, not a silent restart.
  const old = Buffer.from("offset:2").toString("base64url");
  assert.equal((await request(server, "GET", `/secrets?${API}&$skiptoken=${old}`)).status, 400);
  // Deleted secrets and versions page one at a time too.
  await client.setSecret("pg-b", "y");
  const versions = [];
  for await (const page of client.listPropertiesOfSecretVersions("pg-b").byPage({ maxPageSize: 1 }))
    for (const p of page) versions.push(p.version);
  assert.equal(new Set(versions).size, 2);
  const gone = [];
  for await (const page of client.listDeletedSecrets().byPage({ maxPageSize: 1 }))
    for (const p of page) gone.push(p.name);
  assert.equal(gone.filter((m) => m === "pg-a").length, 1, `${gone}`);
});

test("delete, get deleted, list deleted, recover, purge (204)", async () => {
  await client.setSecret("gone", "bye");
  const poller = await client.beginDeleteSecret("gone", fast);
  const deleted = await poller.pollUntilDone();
  assert.equal(deleted.name, "gone");
  assert.equal(deleted.recoveryId, `${server.url}/deletedsecrets/gone`);
  assert.ok(deleted.deletedOn instanceof Date);
  await assert.rejects(client.getSecret("gone"), (e) => e.statusCode === 404 && e.code === "SecretNotFound");
  const got = await client.getDeletedSecret("gone");
  assert.equal(got.name, "gone");
  const listed = [];
  for await (const d of client.listDeletedSecrets()) listed.push(d.name);
  assert.ok(listed.includes("gone"));
  await assert.rejects(client.setSecret("gone", "again"), (e) => e.statusCode === 409);
  const rec = await client.beginRecoverDeletedSecret("gone", fast);
  await rec.pollUntilDone();
  assert.equal((await client.getSecret("gone")).value, "bye");
  await (await client.beginDeleteSecret("gone", fast)).pollUntilDone();
  await client.purgeDeletedSecret("gone");
  await assert.rejects(client.getDeletedSecret("gone"), (e) => e.statusCode === 404);
});

test("backup, delete, purge, restore brings back every version with its ids and attributes", async () => {
  const v1 = await client.setSecret("bk", "one", { tags: { n: "1" } });
  const v2 = await client.setSecret("bk", "two", { contentType: "text/x" });
  const v3 = await client.setSecret("bk", "three");
  const exp = new Date(Date.now() + 7 * 86400_000);
  exp.setMilliseconds(0);
  await client.updateSecretProperties("bk", v3.properties.version, { enabled: false, expiresOn: exp });
  const blob = await client.backupSecret("bk");
  assert.ok(blob instanceof Uint8Array && blob.length > 100);
  await assert.rejects(client.restoreSecretBackup(blob), (e) => e.statusCode === 409, "restore onto a live name");
  await (await client.beginDeleteSecret("bk", fast)).pollUntilDone();
  await assert.rejects(client.restoreSecretBackup(blob), (e) => e.statusCode === 409, "restore onto a deleted name");
  await client.purgeDeletedSecret("bk");

  // One flipped bit in the middle: refused with 4xx, and nothing is created.
  const tampered = Uint8Array.from(blob);
  tampered[tampered.length >> 1] ^= 0x01;
  await assert.rejects(client.restoreSecretBackup(tampered), (e) => e.statusCode >= 400 && e.statusCode < 500);
  await assert.rejects(client.getSecret("bk"), (e) => e.statusCode === 404);
  await assert.rejects(client.restoreSecretBackup(new TextEncoder().encode("not-a-blob")),
                       (e) => e.statusCode >= 400 && e.statusCode < 500);

  const restored = await client.restoreSecretBackup(blob);
  assert.equal(restored.name, "bk");
  assert.equal(restored.version, v3.properties.version, "latest stays latest");
  const versions = [];
  for await (const p of client.listPropertiesOfSecretVersions("bk")) versions.push(p);
  assert.deepEqual(versions.map((p) => p.version).sort(),
                   [v1, v2, v3].map((s) => s.properties.version).sort());
  const p3 = versions.find((p) => p.version === v3.properties.version);
  assert.equal(p3.enabled, false);
  assert.equal(p3.expiresOn.getTime(), exp.getTime());
  assert.equal((await client.getSecret("bk", { version: v1.properties.version })).value, "one");
  assert.deepEqual((await client.getSecret("bk", { version: v1.properties.version })).properties.tags, { n: "1" });
  assert.equal((await client.getSecret("bk", { version: v2.properties.version })).properties.contentType, "text/x");
  await assert.rejects(client.restoreSecretBackup(blob), (e) => e.statusCode === 409, "restoring again");
});

test("older api-versions work (serviceVersion 7.5)", async () => {
  const { SecretClient } = await import("@azure/keyvault-secrets");
  const c75 = new SecretClient(server.url, server.credential(), { ...server.options(), serviceVersion: "7.5" });
  await c75.setSecret("old-api", "v");
  assert.equal((await c75.getSecret("old-api")).value, "v");
});

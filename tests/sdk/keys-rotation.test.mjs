// Issue 16: @azure/keyvault-keys' rotation policy, rotate, getRandomBytes, and the refusal of key release
// options (exportable, releasePolicy) against coldvault serve.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, request, API, cv } from "./harness.mjs";

let server, client;
before(async () => {
  server = await startServer();
  client = server.keys();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

test("a key without a policy answers Key Vault's default; an unknown key is 404", async () => {
  await client.createEcKey("nopolicy", { curve: "P-256" });
  const p = await client.getKeyRotationPolicy("nopolicy");
  assert.equal(p.lifetimeActions.length, 1);
  assert.equal(p.lifetimeActions[0].action, "Notify");
  assert.equal(p.lifetimeActions[0].timeBeforeExpiry, "P30D");
  await assert.rejects(client.getKeyRotationPolicy("missing"), (e) => e.statusCode === 404);
});

test("updateKeyRotationPolicy stores the policy; getKeyRotationPolicy reads it back", async () => {
  await client.createRsaKey("rotating", { keySize: 2048 });
  const set = await client.updateKeyRotationPolicy("rotating", {
    lifetimeActions: [
      { action: "Rotate", timeAfterCreate: "P90D" },
      { action: "Notify", timeBeforeExpiry: "P30D" },
    ],
    expiresIn: "P1Y",
  });
  assert.equal(set.expiresIn, "P1Y");
  assert.ok(set.createdOn instanceof Date && set.updatedOn instanceof Date);
  const got = await client.getKeyRotationPolicy("rotating");
  assert.equal(got.id, `${server.url}/keys/rotating/rotationpolicy`);
  assert.deepEqual(
    got.lifetimeActions.map((a) => [a.action, a.timeAfterCreate ?? a.timeBeforeExpiry]),
    [["Rotate", "P90D"], ["Notify", "P30D"]],
  );
  assert.equal(got.expiresIn, "P1Y");
});

test("rotateKey makes a new version that lives for the policy's expiresIn", async () => {
  const k = await client.createEcKey("ondemand", { curve: "P-256" });
  await client.updateKeyRotationPolicy("ondemand", {
    lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P30D" }],
    expiresIn: "P60D",
  });
  const r = await client.rotateKey("ondemand");
  assert.notEqual(r.properties.version, k.properties.version);
  assert.equal(r.keyType, k.keyType);
  assert.equal(r.key.crv, "P-256");
  const days = (r.properties.expiresOn - r.properties.createdOn) / 86400000;
  assert.equal(Math.round(days), 60);
});

test("impossible policies are 400 naming the field, and nothing is stored", async () => {
  await client.createEcKey("badpolicy", { curve: "P-256" });
  await assert.rejects(
    client.updateKeyRotationPolicy("badpolicy", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P1D" }] }),
    (e) => e.statusCode === 400 && /lifetimeActions\[0\]\.trigger\.timeAfterCreate/.test(e.message),
  );
  await assert.rejects(
    client.updateKeyRotationPolicy("badpolicy", { lifetimeActions: [], expiresIn: "P1X" }),
    (e) => e.statusCode === 400 && /attributes\.expiryTime/.test(e.message),
  );
  const p = await client.getKeyRotationPolicy("badpolicy");
  assert.equal(p.createdOn, undefined, "still the default policy");
});

test("getRandomBytes gives count bytes from the token; out-of-range counts are 400", async () => {
  const a = await client.getRandomBytes(32);
  const b = await client.getRandomBytes(32);
  assert.equal(a.length, 32);
  assert.notDeepEqual(Buffer.from(a), Buffer.from(b));
  assert.equal((await client.getRandomBytes(128)).length, 128);
  for (const count of [0, 129]) await assert.rejects(client.getRandomBytes(count), (e) => e.statusCode === 400);
  const raw = await request(server, "POST", `/rng?${API}`, { body: { count: "8" } });
  assert.equal(raw.status, 400, "a count that is not a number");
});

test("exportable and releasePolicy are refused with 400 naming the field, never dropped", async () => {
  await assert.rejects(
    client.createRsaKey("exportme", { keySize: 2048, exportable: true }),
    (e) => e.statusCode === 400 && /attributes\.exportable/.test(e.message),
  );
  const policy = { encodedPolicy: new TextEncoder().encode(JSON.stringify({ version: "1.0.0", anyOf: [] })) };
  await assert.rejects(
    client.createRsaKey("releaseme", { keySize: 2048, releasePolicy: policy }),
    (e) => e.statusCode === 400 && /release_policy/.test(e.message),
  );
  await assert.rejects(client.getKey("exportme"), (e) => e.statusCode === 404, "nothing was made");
  await assert.rejects(client.getKey("releaseme"), (e) => e.statusCode === 404, "nothing was made");
  const imported = await request(server, "PUT", `/keys/imp?${API}`, {
    body: { key: { kty: "oct", k: "AAAAAAAAAAAAAAAAAAAAAA" }, release_policy: { data: "e30" } },
  });
  assert.equal(imported.status, 400);
  assert.match(imported.body.error.message, /release_policy/);
  const ok = await client.createEcKey("notexportable", { curve: "P-256", exportable: false });
  assert.equal(ok.name, "notexportable", "exportable: false is what coldvault does anyway");
});

test("rotate on policy: a server whose clock is 30 days on rotates a key with a due Rotate action", async () => {
  // The test clock (--now, test builds): the key is made at T by the CLI on the served home, the server runs at
  // T+30d and its timer (every second here) rotates what is due; the SDK sees the new version.
  const day = 86400, t = Math.floor(Date.now() / 1000);
  const later = await startServer({ extraArgs: ["--now", String(t + 30 * day), "--purge-interval", "1"] });
  try {
    const kc = later.keys();
    cv(later.home, "--now", String(t), "key", "create", "--vault-name", later.vault, "--name", "due", "--kty", "EC");
    cv(later.home, "--now", String(t), "key", "create", "--vault-name", later.vault, "--name", "notdue", "--kty", "EC");
    await kc.updateKeyRotationPolicy("due", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P7D" }],
                                              expiresIn: "P90D" });
    await kc.updateKeyRotationPolicy("notdue", { lifetimeActions: [{ action: "Rotate", timeAfterCreate: "P60D" }] });
    const versions = async (name) => {
      const out = [];
      for await (const p of kc.listPropertiesOfKeyVersions(name)) out.push(p);
      return out;
    };
    let due = [];
    for (let i = 0; i < 100 && due.length < 2; ++i) {
      await new Promise((r) => setTimeout(r, 100));
      due = await versions("due");
    }
    assert.equal(due.length, 2, "the due key was rotated once");
    const latest = await kc.getKey("due");
    assert.equal(latest.properties.expiresOn.getTime(), (t + 30 * day + 90 * day) * 1000, "exp = now + expiresIn");
    assert.equal((await versions("notdue")).length, 1, "a key not yet due is left alone");
  } finally {
    assert.equal(await later.stop(), 0, "no 5xx answers");
  }
});

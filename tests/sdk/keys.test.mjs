// @azure/keyvault-keys against coldvault serve: key life cycle, crypto operations, backup/restore.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes, generateKeyPairSync } from "node:crypto";
import { startServer, request, API } from "./harness.mjs";

let server, client;
before(async () => {
  server = await startServer();
  client = server.keys();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

const fast = { intervalInMs: 50 };
const sha256 = (b) => createHash("sha256").update(b).digest();

test("create RSA and EC keys; get, list, versions; public parts only", async () => {
  const rsa = await client.createRsaKey("rsa1", { keySize: 2048, hsm: true, tags: { t: "1" } });
  assert.equal(rsa.keyType, "RSA-HSM");
  assert.equal(rsa.key.n.length, 256);
  assert.equal(rsa.properties.vaultUrl, server.url);
  assert.equal(rsa.key.d, undefined);
  const ec = await client.createEcKey("ec1", { curve: "P-256" });
  assert.equal(ec.key.crv, "P-256");
  assert.equal(ec.key.x.length, 32);
  const got = await client.getKey("rsa1");
  assert.equal(got.id, rsa.id);
  assert.deepEqual(got.properties.tags, { t: "1" });
  const names = [];
  for await (const p of client.listPropertiesOfKeys()) names.push(p.name);
  assert.ok(names.includes("rsa1") && names.includes("ec1"));
  const oct = await client.createOctKey("oct1", { hsm: true, keySize: 256 });
  assert.equal(oct.key.k, undefined);
});

test("update properties, rotate keeps old versions working", async () => {
  const k = await client.createRsaKey("rot", { keySize: 2048 });
  const u = await client.updateKeyProperties("rot", k.properties.version, { tags: { x: "y" } });
  assert.deepEqual(u.properties.tags, { x: "y" });
  const u2 = await client.updateKeyProperties("rot", { enabled: true });  // PATCH /keys/rot/
  assert.equal(u2.properties.enabled, true);
  const r = await client.rotateKey("rot");
  assert.notEqual(r.properties.version, k.properties.version);
  assert.notEqual(Buffer.from(r.key.n).toString("hex"), Buffer.from(k.key.n).toString("hex"));
  const versions = [];
  for await (const page of client.listPropertiesOfKeyVersions("rot").byPage({ maxPageSize: 1 }))
    for (const p of page) versions.push(p.version);
  assert.equal(versions.length, 2);
  const digest = sha256("old version");
  const oldClient = server.crypto(k.id);
  const sig = await oldClient.sign("RS256", digest);
  assert.equal((await oldClient.verify("RS256", digest, sig.result)).result, true);
});

test("wrap locally, unwrap in the server; RSA-OAEP-256 both ways; remote-only client", async () => {
  const k = await client.createRsaKey("wrapper", { keySize: 2048 });
  const cek = randomBytes(32);
  const cc = client.getCryptographyClient("wrapper");  // versionless: /keys/wrapper//unwrapkey
  const w1 = await cc.wrapKey("RSA-OAEP", cek);
  assert.deepEqual(Buffer.from((await cc.unwrapKey("RSA-OAEP", w1.result)).result), cek);
  const w2 = await cc.wrapKey("RSA-OAEP-256", cek);
  assert.deepEqual(Buffer.from((await cc.unwrapKey("RSA-OAEP-256", w2.result)).result), cek);
  const remote = server.crypto({ ...k, key: undefined, id: k.id });
  const w3 = await remote.wrapKey("RSA-OAEP", cek);
  assert.deepEqual(Buffer.from((await remote.unwrapKey("RSA-OAEP", w3.result)).result), cek);
  const e = await cc.encrypt({ algorithm: "RSA-OAEP-256", plaintext: Buffer.from("hello") });
  assert.equal(Buffer.from((await cc.decrypt({ algorithm: "RSA-OAEP-256", ciphertext: e.result })).result).toString(), "hello");
  assert.ok(e.keyID.startsWith(`${server.url}/keys/wrapper/`));
});

test("sign and verify PS256, RS256, ES256; a wrong digest verifies false", async () => {
  const rsa = await client.createRsaKey("signer", { keySize: 2048 });
  const ec = await client.createEcKey("ecsigner", { curve: "P-256" });
  const digest = sha256("message");
  for (const [key, alg] of [[rsa, "PS256"], [rsa, "RS256"], [ec, "ES256"]]) {
    const cc = server.crypto(key.id);
    const s = await cc.sign(alg, digest);
    assert.equal((await cc.verify(alg, digest, s.result)).result, true, alg);
    assert.equal((await cc.verify(alg, sha256("other"), s.result)).result, false, alg);
  }
});

test("AES-GCM encrypt/decrypt with an oct-HSM key in the server", async () => {
  await client.createOctKey("aes", { hsm: true, keySize: 256 });
  const r = await request(server, "POST", `/keys/aes//encrypt?${API}`,
                          { body: { alg: "A256GCM", value: Buffer.from("secret text").toString("base64url") } });
  assert.equal(r.status, 200, r.text);
  // Key Vault's KeyOperationResult: aad only when one was given.
  assert.deepEqual(Object.keys(r.body).sort(), ["iv", "kid", "tag", "value"]);
  assert.equal(Buffer.from(r.body.iv, "base64url").length, 12);
  const refused = await request(server, "POST", `/keys/aes//encrypt?${API}`,
                                { body: { alg: "A256GCM", value: "AAAA", iv: r.body.iv } });
  assert.equal(refused.status, 400, refused.text);
  assert.equal(refused.body.error.code, "BadParameter");
  const d = await request(server, "POST", `/keys/aes//decrypt?${API}`,
                          { body: { alg: "A256GCM", value: r.body.value, iv: r.body.iv, tag: r.body.tag } });
  assert.equal(d.status, 200, d.text);
  assert.equal(Buffer.from(d.body.value, "base64url").toString(), "secret text");
});

test("AES-GCM through CryptographyClient: the server generates the iv; a caller's iv is a 400", async () => {
  const key = await client.createOctKey("aesgcm", { hsm: true, keySize: 256 });
  const cc = server.crypto(key.id);
  const plaintext = Buffer.from("gcm through the sdk");
  const aad = Buffer.from("header");
  const e1 = await cc.encrypt({ algorithm: "A256GCM", plaintext, additionalAuthenticatedData: aad });
  const e2 = await cc.encrypt({ algorithm: "A256GCM", plaintext, additionalAuthenticatedData: aad });
  assert.equal(e1.iv.length, 12);
  assert.equal(e1.authenticationTag.length, 16);
  assert.notDeepEqual(Buffer.from(e1.iv), Buffer.from(e2.iv), "a fresh iv per encryption");
  const d = await cc.decrypt({ algorithm: "A256GCM", ciphertext: e1.result, iv: e1.iv,
                               authenticationTag: e1.authenticationTag, additionalAuthenticatedData: aad });
  assert.deepEqual(Buffer.from(d.result), plaintext);
  // AesGcmEncryptParameters has no iv; the SDK still sends one it is given, as an older client might.
  await assert.rejects(cc.encrypt({ algorithm: "A256GCM", plaintext, iv: e1.iv }),
                       (err) => err.statusCode === 400 && err.code === "BadParameter" &&
                                /iv must not be supplied/.test(err.message));
});

test("import an RSA JWK", async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const jwk = privateKey.export({ format: "jwk" });
  // The SDK's JsonWebKey carries binary parts as Uint8Array and serialises them to base64url.
  const bin = Object.fromEntries(["n", "e", "d", "p", "q", "dp", "dq", "qi"].map((f) => [f, Buffer.from(jwk[f], "base64url")]));
  const k = await client.importKey("imported", { kty: "RSA", ...bin, keyOps: ["sign", "verify"] },
                                   { hardwareProtected: true });
  assert.equal(Buffer.from(k.key.n).toString("base64url"), jwk.n);
  const cc = server.crypto(k.id);
  const s = await cc.sign("RS256", sha256("x"));
  assert.equal((await cc.verify("RS256", sha256("x"), s.result)).result, true);
});

test("delete, get deleted, recover, purge", async () => {
  await client.createEcKey("kgone", { curve: "P-256" });
  const d = await (await client.beginDeleteKey("kgone", fast)).pollUntilDone();
  assert.equal(d.properties.recoveryId, `${server.url}/deletedkeys/kgone`);
  await assert.rejects(client.getKey("kgone"), (e) => e.statusCode === 404);
  assert.equal((await client.getDeletedKey("kgone")).name, "kgone");
  const listed = [];
  for await (const k of client.listDeletedKeys()) listed.push(k.name);
  assert.ok(listed.includes("kgone"));
  await (await client.beginRecoverDeletedKey("kgone", fast)).pollUntilDone();
  assert.equal((await client.getKey("kgone")).name, "kgone");
  await (await client.beginDeleteKey("kgone", fast)).pollUntilDone();
  await client.purgeDeletedKey("kgone");
  await assert.rejects(client.getDeletedKey("kgone"), (e) => e.statusCode === 404);
});

test("backup, delete, purge, restore every version; tampered blob refused and creates nothing", async () => {
  const v1 = await client.createRsaKey("kbk", { keySize: 2048 });
  const v2 = await client.rotateKey("kbk");
  const digest = sha256("before backup");
  const sig = await server.crypto(v1.id).sign("PS256", digest);
  const blob = await client.backupKey("kbk");
  await assert.rejects(client.restoreKeyBackup(blob), (e) => e.statusCode === 409);
  await (await client.beginDeleteKey("kbk", fast)).pollUntilDone();
  await client.purgeDeletedKey("kbk");
  const tampered = Uint8Array.from(blob);
  tampered[tampered.length >> 1] ^= 0x01;
  await assert.rejects(client.restoreKeyBackup(tampered), (e) => e.statusCode >= 400 && e.statusCode < 500);
  await assert.rejects(client.getKey("kbk"), (e) => e.statusCode === 404, "nothing created by a tampered restore");
  const restored = await client.restoreKeyBackup(blob);
  assert.equal(restored.properties.version, v2.properties.version);
  const versions = [];
  for await (const p of client.listPropertiesOfKeyVersions("kbk")) versions.push(p.version);
  assert.deepEqual(versions.sort(), [v1.properties.version, v2.properties.version].sort());
  assert.equal((await server.crypto(v1.id).verify("PS256", digest, sig.result)).result, true,
               "the restored old version still verifies its old signature");
});

// Every key list pages one item at a time to the same names as one unpaged listing (keys name themselves
// with "kid", so the page cursor must be taken from it).
test("key lists page one item at a time: keys, versions, deleted keys", async () => {
  for (const n of ["pk-1", "pk-2", "pk-3"]) await client.createEcKey(n, { curve: "P-256" });
  await client.rotateKey("pk-1");
  await (await client.beginDeleteKey("pk-3", fast)).pollUntilDone();
  const paged = async (it, field) => {
    const out = [];
    for await (const page of it.byPage({ maxPageSize: 1 })) {
      assert.ok(page.length <= 1);
      for (const p of page) out.push(p[field]);
    }
    return out;
  };
  const whole = async (it, field) => {
    const out = [];
    for await (const p of it) out.push(p[field]);
    return out;
  };
  const names = await paged(client.listPropertiesOfKeys(), "name");
  assert.deepEqual(names, await whole(client.listPropertiesOfKeys(), "name"));
  assert.ok(names.includes("pk-1") && names.includes("pk-2") && !names.includes("pk-3"));
  const versions = await paged(client.listPropertiesOfKeyVersions("pk-1"), "version");
  assert.equal(versions.length, 2);
  assert.equal(new Set(versions).size, 2);
  const deleted = await paged(client.listDeletedKeys(), "name");
  assert.deepEqual(deleted, await whole(client.listDeletedKeys(), "name"));
  assert.ok(deleted.includes("pk-3"));
});

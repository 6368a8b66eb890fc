// @azure/keyvault-keys CryptographyClient with the 7.6 algorithms: HS256 (and the token's documented refusal
// of HS384/HS512 with a 256-bit key), A*CBC / A*CBCPAD, ES256K on P-256K. Results are checked with
// node:crypto as the outside party, from keys imported with known bytes.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash, createHmac, createCipheriv, createPublicKey, verify as nodeVerify, randomBytes } from "node:crypto";
import { startServer } from "./harness.mjs";

let server, client;
before(async () => {
  server = await startServer();
  client = server.keys();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

const octKey = (k) => ({ kty: "oct-HSM", k, keyOps: ["encrypt", "decrypt", "sign", "verify"] });

test("HS256 on an oct-HSM key equals node's HMAC; verify in the vault; HS384 with a 256-bit key is a clear 400", async () => {
  const k = randomBytes(32);
  const key = await client.importKey("mac", octKey(k), { hardwareProtected: true });
  const cc = server.crypto(key.id);
  const data = Buffer.from("message to authenticate");
  const s = await cc.sign("HS256", data);
  assert.equal(s.algorithm, "HS256");
  assert.deepEqual(Buffer.from(s.result), createHmac("sha256", k).update(data).digest());
  assert.equal((await cc.verify("HS256", data, s.result)).result, true);
  assert.equal((await cc.verify("HS256", Buffer.from("other"), s.result)).result, false);
  // A key made by the vault MACs by default too (key_ops include sign and verify).
  const made = await client.createOctKey("made", { hsm: true, keySize: 256 });
  assert.ok(made.keyOperations.includes("sign") && made.keyOperations.includes("verify"));
  const m = await server.crypto(made.id).sign("HS256", data);
  assert.equal(m.result.length, 32);
  // SoftHSM takes HMAC keys at least as long as the hash (docs/keys.md); the refusal says so.
  await assert.rejects(cc.sign("HS384", data),
                       (e) => e.statusCode === 400 && /refuses HS384 with a 256-bit key/.test(e.message));
  await assert.rejects(cc.sign("RS256", data),
                       (e) => e.statusCode === 400 && /Allowed: HS256, HS384, HS512/.test(e.message));
});

test("A256CBC and A256CBCPAD equal node's AES-CBC; without an iv the vault draws one and returns it", async () => {
  const k = randomBytes(32);
  const key = await client.importKey("cbc", octKey(k), { hardwareProtected: true });
  const cc = server.crypto(key.id);
  const iv = randomBytes(16);
  const text = Buffer.from("not a multiple of sixteen");
  const padded = await cc.encrypt({ algorithm: "A256CBCPAD", plaintext: text, iv });
  const nodeCt = (pad, pt, v) => {
    const c = createCipheriv("aes-256-cbc", k, v);
    c.setAutoPadding(pad);
    return Buffer.concat([c.update(pt), c.final()]);
  };
  assert.deepEqual(Buffer.from(padded.result), nodeCt(true, text, iv));
  assert.deepEqual(Buffer.from(padded.iv), iv);
  const back = await cc.decrypt({ algorithm: "A256CBCPAD", ciphertext: padded.result, iv });
  assert.deepEqual(Buffer.from(back.result), text);
  const blocks = randomBytes(64);
  const raw = await cc.encrypt({ algorithm: "A256CBC", plaintext: blocks, iv });
  assert.deepEqual(Buffer.from(raw.result), nodeCt(false, blocks, iv));
  assert.deepEqual(Buffer.from((await cc.decrypt({ algorithm: "A256CBC", ciphertext: raw.result, iv })).result), blocks);
  // No iv in the request: the result carries the one the token drew.
  const noIv = await cc.encrypt({ algorithm: "A256CBCPAD", plaintext: text });
  assert.equal(noIv.iv.length, 16);
  assert.deepEqual(Buffer.from(noIv.result), nodeCt(true, text, Buffer.from(noIv.iv)));
  await assert.rejects(cc.encrypt({ algorithm: "A256CBC", plaintext: text, iv }),
                       (e) => e.statusCode === 400 && /Use A256CBCPAD/.test(e.message));
  await assert.rejects(cc.encrypt({ algorithm: "A128CBC", plaintext: blocks, iv }),
                       (e) => e.statusCode === 400 && /A256GCM, A256CBC, A256CBCPAD/.test(e.message));
});

test("ES256K on a P-256K key: the signature verifies with node's secp256k1", async () => {
  const key = await client.createEcKey("k1", { curve: "P-256K", hsm: true });
  assert.equal(key.key.crv, "P-256K");
  assert.equal(key.key.x.length, 32);
  const digest = createHash("sha256").update("signed with ES256K").digest();
  const cc = server.crypto(key.id);
  const s = await cc.sign("ES256K", digest);
  assert.equal(s.result.length, 64);
  const pub = createPublicKey({ format: "jwk", key: { kty: "EC", crv: "secp256k1",
    x: Buffer.from(key.key.x).toString("base64url"), y: Buffer.from(key.key.y).toString("base64url") } });
  // node signs/verifies a message; "sha256" with a null-hash would need the digest: verify over the message.
  assert.ok(nodeVerify("sha256", Buffer.from("signed with ES256K"), { key: pub, dsaEncoding: "ieee-p1363" }, s.result));
  assert.equal((await cc.verify("ES256K", digest, s.result)).result, true);
  await assert.rejects(cc.sign("ES256", digest), (e) => e.statusCode === 400 && /Allowed: ES256K/.test(e.message));
});

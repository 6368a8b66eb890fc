// Restore trusts only the domain's signers, through REST with the official SDKs: a blob forged from public
// data only (the domain public key and a self-made certificate) is refused with 400 and writes nothing.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, cv } from "./harness.mjs";

const FORGE = process.env.FORGE_BLOB;
if (!FORGE) throw new Error("set FORGE_BLOB to the forge_blob test tool");

let server, client;
before(async () => {
  server = await startServer();
  client = server.secrets();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

function forgeSecret(name, value) {
  const dir = server.dir;
  writeFileSync(join(dir, "domain.pem"), cv(server.home, "domain", "show", "-o", "pem"));
  const kid = JSON.parse(cv(server.home, "domain", "show")).kid;
  execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                           "-keyout", join(dir, "evil.key"), "-out", join(dir, "evil.pem"), "-days", "30",
                           "-subj", "/CN=forger"], { stdio: "ignore" });
  const out = join(dir, `${name}.blob`);
  execFileSync(FORGE, ["secret", "--domain-pub", join(dir, "domain.pem"), "--kid", kid, "--key", join(dir, "evil.key"),
                       "--cert", join(dir, "evil.pem"), "--name", name, "--value", value, "--out", out]);
  return new Uint8Array(readFileSync(out));
}

test("a forged secret blob is refused with 400 and nothing is written", async () => {
  const forged = forgeSecret("injected", "attacker");
  await assert.rejects(client.restoreSecretBackup(forged), (e) => {
    assert.equal(e.statusCode, 400);
    assert.match(e.message, /not trusted by security domain/);
    return true;
  });
  await assert.rejects(client.getSecret("injected"), (e) => e.statusCode === 404);
  const names = [];
  for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
  assert.ok(!names.includes("injected"), "no secret appeared");
});

test("the vault's own blobs still restore", async () => {
  await client.setSecret("own", "genuine");
  const blob = await client.backupSecret("own");
  await (await client.beginDeleteSecret("own", { intervalInMs: 50 })).pollUntilDone();
  await client.purgeDeletedSecret("own");
  const restored = await client.restoreSecretBackup(blob);
  assert.equal(restored.name, "own");
  assert.equal((await client.getSecret("own")).value, "genuine");
});

test("an operator-trusted certificate is the one way in", async () => {
  const forged = forgeSecret("lab", "from-the-lab");
  cv(server.home, "domain", "trust", "add", "--cert", join(server.dir, "evil.pem"), "--label", "lab");
  const restored = await client.restoreSecretBackup(forged);
  assert.equal(restored.name, "lab");
  assert.equal((await client.getSecret("lab")).value, "from-the-lab");
});

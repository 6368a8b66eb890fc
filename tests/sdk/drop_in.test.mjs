// `coldvault serve --ephemeral`: the one command a test suite runs. A client with the printed environment
// and DefaultAzureCredential works unchanged (challenge verification on); the seed, health probes, unknown
// hosts, the managed-identity endpoint's refusals, and the cleanup on exit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import http from "node:http";
import net from "node:net";
import { CV, catalogArgs } from "./harness.mjs";

// Starts `serve --ephemeral` with TMPDIR=tmp; resolves with {proc, info, stderr()} once the JSON line came.
function startEphemeral(tmp, args, env = {}) {
  const proc = spawn(CV, ["serve", "--ephemeral", ...catalogArgs(), ...args], {
    env: { ...process.env, TMPDIR: tmp, ...env }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "", err = "";
  proc.stderr.on("data", (d) => (err += d));
  // A death by signal resolves with the signal's name, so a crash on the way out is told apart from a code.
  const exited = new Promise((r) => proc.on("exit", (code, signal) => r(code ?? signal)));
  // Ready: the JSON line on stdout and the ready line on stderr (printed right after it).
  const ready = new Promise((resolve, reject) => {
    const check = () => {
      if (out.includes("\n") && /^coldvault serve: ready$/m.test(err)) resolve(JSON.parse(out.slice(0, out.indexOf("\n"))));
    };
    proc.stdout.on("data", (d) => { out += d; check(); });
    proc.stderr.on("data", check);
    exited.then((code) => reject(Object.assign(new Error(`exited ${code}: ${err}`), { code, err })));
  });
  return { proc, ready, exited, stderr: () => err };
}

function get(url, { ca, host, headers = {} } = {}) {
  const u = new URL(url);
  const mod = u.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request({ host: "127.0.0.1", port: u.port, path: u.pathname + u.search, ca,
                              servername: u.protocol === "https:" ? "localhost" : undefined,
                              headers: { Host: host ?? u.host, ...headers } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

let tmp, server, info, ca;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "cv-dropin-"));
  const seed = join(tmp, "seed.json");
  writeFileSync(seed, JSON.stringify({
    secrets: [{ name: "seeded", value: "from the seed" }, { name: "elsewhere", value: "b", vault: "dropb" }],
    keys: [{ name: "seeded-key", kty: "EC", crv: "P-256" }],
    certificates: [{ name: "seeded-cert" }],
  }));
  server = startEphemeral(tmp, ["--vault-name", "dropa", "--vault-name", "dropb", "--port", "0", "--seed", seed]);
  info = await server.ready;
  ca = readFileSync(info.caFile, "utf8");
});

after(async () => {
  if (server.proc.exitCode === null) server.proc.kill("SIGTERM");
  await server.exited;
  rmSync(tmp, { recursive: true, force: true });
});

test("the JSON line names each vault's URL, the CA file and the client environment", () => {
  const port = new URL(info.vaults.dropa).port;
  assert.deepEqual(info.vaults, { dropa: `https://dropa.localhost:${port}`, dropb: `https://dropb.localhost:${port}` });
  assert.match(info.token, /^cvs1_/);
  for (const k of ["SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "NODE_EXTRA_CA_CERTS"]) assert.equal(info.env[k], info.caFile);
  assert.match(info.env.IDENTITY_ENDPOINT, /^http:\/\/127\.0\.0\.1:\d+\/msi\/token$/);
  assert.equal(info.env.MSI_ENDPOINT, info.env.IDENTITY_ENDPOINT);
  assert.ok(info.env.IDENTITY_HEADER.length >= 32);
  assert.equal(info.env.AZURE_KEYVAULT_URL, info.vaults.dropa);
  assert.match(server.stderr(), /^coldvault serve: ready$/m);
  assert.ok(!server.stderr().includes(info.token), "the token reached stderr");
  assert.ok(!server.stderr().includes(info.env.IDENTITY_HEADER), "the identity header reached stderr");
});

test("a client with the printed environment and DefaultAzureCredential works unchanged", async () => {
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "./localhost-resolve.mjs", "drop-in-client.mjs"],
             { env: { ...process.env, ...info.env }, cwd: import.meta.dirname, timeout: 120000 },
             (e, stdout, stderr) => (e ? reject(new Error(stderr || e.message)) : resolve(JSON.parse(stdout))));
  });
  assert.equal(out.secret, "from js");
  assert.ok(out.secretId.startsWith(`${info.vaults.dropa}/secrets/js-drop-in/`));
  assert.equal(out.verified, true);
  assert.equal(out.certName, "js-drop-in-cert");
  assert.equal(out.certHasCer, true);
  assert.equal(out.subject, "cn=MyCert");
});

test("the seed is there before the ready line, each entry in its vault", async () => {
  const auth = { Authorization: `Bearer ${info.token}` };
  const a = await get(`${info.vaults.dropa}/secrets/seeded?api-version=7.5`, { ca, headers: auth });
  assert.equal(a.status, 200, a.text);
  assert.equal(JSON.parse(a.text).value, "from the seed");
  const b = await get(`${info.vaults.dropb}/secrets/elsewhere?api-version=7.5`, { ca, headers: auth });
  assert.equal(JSON.parse(b.text).value, "b");
  assert.equal((await get(`${info.vaults.dropa}/keys/seeded-key?api-version=7.5`, { ca, headers: auth })).status, 200);
  const c = await get(`${info.vaults.dropa}/certificates/seeded-cert?api-version=7.5`, { ca, headers: auth });
  assert.equal(c.status, 200, c.text);
  assert.ok(JSON.parse(c.text).cer);
});

test("health probes answer without a token; an unknown host is a 404 naming the vaults", async () => {
  const h = await get(`${info.vaults.dropa}/healthz`, { ca });
  assert.equal(h.status, 200);
  assert.equal((await get(`${info.vaults.dropb}/readyz`, { ca })).status, 200);
  const port = new URL(info.vaults.dropa).port;
  const u = await get(`${info.vaults.dropa}/secrets?api-version=7.5`, { ca, host: `nosuch.localhost:${port}` });
  assert.equal(u.status, 404);
  assert.match(JSON.parse(u.text).error.message, /nosuch\.localhost.*dropa, dropb/);
});

test("the managed-identity endpoint refuses a request without its header (401), as Azure does", async () => {
  const ep = info.env.IDENTITY_ENDPOINT;
  const q = `?resource=${encodeURIComponent(info.vaults.dropa.replace("dropa.", ""))}&api-version=2019-08-01`;
  assert.equal((await get(ep + q)).status, 401);
  assert.equal((await get(ep + q, { headers: { "X-IDENTITY-HEADER": "wrong" } })).status, 401);
  const ok = await get(ep + q, { headers: { "X-IDENTITY-HEADER": info.env.IDENTITY_HEADER } });
  assert.equal(ok.status, 200);
  const body = JSON.parse(ok.text);
  assert.equal(body.token_type, "Bearer");
  assert.ok(Number(body.expires_on) > Date.now() / 1000 + 60);
});

test("SIGTERM stops the server and removes the whole throwaway home", async () => {
  assert.equal(readdirSync(tmp).filter((f) => f.startsWith("coldvault-ephemeral-")).length, 1);
  server.proc.kill("SIGTERM");
  assert.equal(await server.exited, 0);
  assert.deepEqual(readdirSync(tmp).filter((f) => f.startsWith("coldvault-ephemeral-")), []);
});

test("a seed entry that Key Vault would refuse: the entry is named, nothing is served, nothing is left", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cv-dropin-bad-"));
  try {
    const seed = join(dir, "seed.json");
    writeFileSync(seed, JSON.stringify({ secrets: [{ name: "fine", value: "x" }],
                                         keys: [{ name: "odd", kty: "RSA", key_size: 1000 }] }));
    const s = startEphemeral(dir, ["--vault-name", "badseed", "--seed", seed]);
    const e = await s.ready.then(() => null, (err) => err);
    assert.ok(e, "the server started with a bad seed");
    assert.equal(e.code, 2);
    assert.match(e.err, /seed entry keys\[0\] 'odd' was refused/);
    assert.deepEqual(readdirSync(dir), ["seed.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a port in use: a clear error, exit code 1 (az's), 4 (Conflict) with detailed codes, nothing left", async () => {
  const blocker = net.createServer();
  await new Promise((r) => blocker.listen(0, "127.0.0.1", r));
  const dir = mkdtempSync(join(tmpdir(), "cv-dropin-port-"));
  try {
    for (const [codes, want] of [[undefined, 1], ["detailed", 4]]) {
      const env = codes ? { COLDVAULT_EXIT_CODES: codes } : {};
      const s = startEphemeral(dir, ["--vault-name", "porttaken", "--port", String(blocker.address().port)], env);
      const e = await s.ready.then(() => null, (err) => err);
      assert.ok(e);
      assert.equal(e.code, want, `exit code with ${codes ?? "az"} codes`);
      assert.match(e.err, /port is in use/);
      assert.deepEqual(readdirSync(dir), []);
    }
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

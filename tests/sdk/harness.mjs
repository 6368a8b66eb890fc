// Starts `coldvault serve` on a fresh home and hands out SDK clients and raw HTTPS helpers.
// COLDVAULT_BIN names the binary (ctest passes it); each test file gets its own home, token and port.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import https from "node:https";
import { SecretClient } from "@azure/keyvault-secrets";
import { KeyClient, CryptographyClient } from "@azure/keyvault-keys";
import { CertificateClient } from "@azure/keyvault-certificates";
import "./localhost-resolve.mjs";  // <vault>.localhost -> 127.0.0.1 where glibc does not (test-side only)

export const CV = process.env.COLDVAULT_BIN;
if (!CV) throw new Error("set COLDVAULT_BIN to the coldvault binary");

export function cv(home, ...args) {
  return execFileSync(CV, args, {
    env: { ...process.env, COLDVAULT_HOME: home },
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

// Under tests/pg/pg-env ($COLDVAULT_TEST_POSTGRES): the arguments that put a new home's catalogue in a
// database of its own on that cluster (ADR 0023); else none (the SQLite file in the home).
let databases = 0;
export function catalogArgs() {
  const base = process.env.COLDVAULT_TEST_POSTGRES;
  if (!base) return [];
  const name = `cv_sdk_${process.pid}_${databases++}`;
  execFileSync("psql", ["-X", "-q", `${base}/postgres`, "-c", `CREATE DATABASE ${name}`], { stdio: "ignore" });
  return ["--catalog", `${base}/${name}`];
}

export function mintToken(home, vault, permissions) {
  return JSON.parse(cv(home, "token", "create", "--vault-name", vault, "--permissions", permissions)).token;
}

// A fresh home with vaults `names[0]` (served by default) and the others, one all-permission token.
// tlsFiles: the server's TLS key and certificate are files made here (`--tls-cert/--tls-key`) instead of the
// token key, which is what lets the server recycle its PKCS#11 module (docs/adr/0022-module-recycling.md).
export async function startServer({ vaults = ["sdkvault"], extraArgs = [], tlsFiles = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "cv-sdk-"));
  const home = join(dir, "home");
  cv(home, "init", "--vault-name", vaults[0], ...catalogArgs());
  for (const v of vaults.slice(1)) cv(home, "vault", "create", "--vault-name", v);
  const token = mintToken(home, vaults[0], "all");
  const tlsArgs = [];
  if (tlsFiles) {
    const san = ["DNS:localhost", "IP:127.0.0.1", ...vaults.map((v) => `DNS:${v.toLowerCase()}.localhost`)];
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
      "-days", "2", "-subj", "/CN=localhost", "-addext", `subjectAltName=${san.join(",")}`,
      "-keyout", join(dir, "tls-key.pem"), "-out", join(dir, "tls.pem")], { stdio: "ignore" });
    tlsArgs.push("--tls-cert", join(dir, "tls.pem"), "--tls-key", join(dir, "tls-key.pem"));
  }
  const proc = spawn(CV, ["serve", "--vault-name", vaults[0], "--listen", "127.0.0.1:0", ...tlsArgs, ...extraArgs], {
    env: { ...process.env, COLDVAULT_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  // The server prints the file clients must trust: its self-signed certificate (key in the token).
  const [url, caPath] = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("server did not start: " + stderr)), 30000);
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (https:\/\/127\.0\.0\.1:\d+)/);
      const c = tlsFiles ? [null, join(dir, "tls.pem")] : out.match(/clients must trust it\): (\S+)\n/);
      if (m && c) {
        clearTimeout(timer);
        resolve([m[1], c[1]]);
      }
    });
    proc.on("exit", (code) => reject(new Error(`server exited ${code}: ${stderr}`)));
  });
  const ca = readFileSync(caPath, "utf8");
  // The SDK clients use the vault's own host name: the challenge's resource is then a domain suffix of it
  // (https://localhost:PORT), so they run with their default challenge-resource verification.
  const port = Number(new URL(url).port);
  const server = {
    dir, home, ca, token, vault: vaults[0], proc, port,
    url: `https://${vaults[0].toLowerCase()}.localhost:${port}`,
    ipUrl: url,
    get stderr() { return stderr; },
    credential(tok = token) {
      return { getToken: async () => ({ token: tok, expiresOnTimestamp: Date.now() + 3600_000 }) };
    },
    options() {
      // A fresh object per client: KeyClient mutates its options (azure-sdk-notes §4.13).
      return { tlsOptions: { ca }, retryOptions: { maxRetries: 0 } };
    },
    secrets(tok) { return new SecretClient(server.url, server.credential(tok), server.options()); },
    keys(tok) { return new KeyClient(server.url, server.credential(tok), server.options()); },
    crypto(keyOrId, tok) { return new CryptographyClient(keyOrId, server.credential(tok), server.options()); },
    certificates(tok) { return new CertificateClient(server.url, server.credential(tok), server.options()); },
    // Stops the server and returns the number of 5xx answers it reported.
    async stop() {
      if (proc.exitCode === null) {
        const done = new Promise((r) => proc.on("exit", r));
        proc.kill("SIGTERM");
        await done;
      }
      rmSync(dir, { recursive: true, force: true });
      const m = stderr.match(/stopped; (\d+) server errors/);
      return m ? Number(m[1]) : -1;
    },
  };
  return server;
}

const agents = new Map();
// A raw HTTPS request (keep-alive agent per CA; `fresh`: a new connection, so a new TLS handshake).
// Returns {status, headers, body (parsed JSON or text)}.
export function request(server, method, path, { body, headers = {}, token = server.token, host, fresh = false } = {}) {
  if (!agents.has(server.ca)) agents.set(server.ca, new https.Agent({ keepAlive: true, ca: server.ca, maxSockets: 256 }));
  const data = body === undefined ? undefined : typeof body === "string" || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (data !== undefined) {
    h["Content-Type"] ??= "application/json";
    h["Content-Length"] = Buffer.byteLength(data);
  }
  h.Host = host ?? new URL(server.url).host;  // ids in answers use the SDK clients' origin
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port: server.port, method, path, headers: h,
                                agent: fresh ? new https.Agent({ keepAlive: false, ca: server.ca }) : agents.get(server.ca),
                                servername: "localhost" }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        let parsed = text;
        try { parsed = text ? JSON.parse(text) : undefined; } catch {}
        resolve({ status: res.statusCode, headers: res.headers, body: parsed, text });
      });
    });
    req.on("error", reject);
    if (data !== undefined) req.write(data);
    req.end();
  });
}

export const API = "api-version=2025-07-01";

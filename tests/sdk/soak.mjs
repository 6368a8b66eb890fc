// Soak (issue 19 item 4): 64 clients of the official JS SDK against one `coldvault serve` for SOAK_SECONDS
// (default 45: the ctest form; scripts/soak runs 600), loopback only. Each client owns three secrets and one
// key and mixes set, get, list, delete, recover, backup + purge + restore, and sign/verify/rotate on its key,
// checking every answer against its own record of what the server acknowledged. At the end every name is
// compared with that record: no acknowledged version lost, none duplicated, no value changed. The server's
// RSS and open file descriptors are printed at each sample. Exit 0 only with 0 client errors, 0 mismatches,
// 0 5xx answers, file descriptors back to where they were, and RSS within bounds (below).
// The server recycles its PKCS#11 module (docs/adr/0022-module-recycling.md; COLDVAULT_HSM_RECYCLE_AFTER, passed
// through, lowers the bound), with the TLS key in the token (the default) or, with SOAK_TLS_FILES=1, from files;
// the recycles are counted from the server's log and, with SOAK_MIN_RECYCLES, required. COLDVAULT_HEAP_LOG=1
// (passed through) adds the server's heap in use to each sample.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { startServer } from "./harness.mjs";

const seconds = Number(process.env.SOAK_SECONDS ?? 45);
const clients = Number(process.env.SOAK_CLIENTS ?? 64);
const fast = { intervalInMs: 20 };

function sample(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  return { rssMiB: Math.round(rssKiB / 102.4) / 10, fds: readdirSync(`/proc/${pid}/fd`).length };
}

// One client's view: for each of its names, the acknowledged versions in order, and whether it is live.
class Client {
  constructor(server, c) {
    this.c = c;
    this.secrets = server.secrets();
    this.keys = server.keys();
    this.server = server;
    this.names = [0, 1, 2].map((i) => `soak-${c}-s${i}`);
    this.record = new Map(this.names.map((n) => [n, { versions: [], live: false }]));
    this.key = `soak-${c}-k`;
    this.keyVersions = 0;
    this.ops = 0;
    this.mismatches = [];
    this.retired = 0;
  }
  expect(ok, what) {
    if (!ok) this.mismatches.push(`client ${this.c}: ${what}`);
  }
  async set(name) {
    const value = randomBytes(24).toString("base64url");
    const s = await this.secrets.setSecret(name, value);
    const r = this.record.get(name);
    r.versions.push({ id: s.properties.version, value });
    r.live = true;
  }
  async get(name) {
    const r = this.record.get(name);
    const s = await this.secrets.getSecret(name);
    const last = r.versions.at(-1);
    this.expect(s.properties.version === last.id && s.value === last.value, `${name}: latest is not the last acknowledged write`);
  }
  async list(name) {
    const r = this.record.get(name);
    const seen = [];
    for await (const p of this.secrets.listPropertiesOfSecretVersions(name)) seen.push(p.version);
    this.checkVersions(name, seen, r);
  }
  checkVersions(name, seen, r) {
    const want = new Set(r.versions.map((v) => v.id));
    this.expect(seen.length === new Set(seen).size, `${name}: a version listed twice`);
    this.expect(seen.length === want.size && seen.every((v) => want.has(v)),
                `${name}: versions ${seen.length} listed, ${want.size} acknowledged`);
  }
  // The whole vault's listing, paged while the other 63 clients add and delete names: each of this client's
  // names appears once if live and not at all if deleted (it is the only writer of its names).
  async listAll() {
    const seen = new Map();
    for await (const p of this.secrets.listPropertiesOfSecrets()) {
      if (p.name.startsWith(`soak-${this.c}-s`)) seen.set(p.name, (seen.get(p.name) ?? 0) + 1);
    }
    for (const name of this.names) {
      const want = this.record.get(name).live ? 1 : 0;
      this.expect((seen.get(name) ?? 0) === want, `${name}: listed ${seen.get(name) ?? 0} times in the vault's list, want ${want}`);
    }
  }
  async remove(name) {
    await (await this.secrets.beginDeleteSecret(name, fast)).pollUntilDone();
    this.record.get(name).live = false;
  }
  async recover(name) {
    await (await this.secrets.beginRecoverDeletedSecret(name, fast)).pollUntilDone();
    this.record.get(name).live = true;
  }
  async backupRestore(name) {
    const blob = await this.secrets.backupSecret(name);
    await this.remove(name);
    await this.secrets.purgeDeletedSecret(name);
    const restored = await this.secrets.restoreSecretBackup(blob);
    this.expect(restored.name === name, `${name}: restore answered another name`);
    this.record.get(name).live = true;
  }
  // A name near the 500 versions one backup blob holds is deleted and purged, and starts again from nothing: a
  // long soak would otherwise reach that limit (a 400, not a fault) on every name.
  async retire(name) {
    await this.remove(name);
    await this.secrets.purgeDeletedSecret(name);
    this.record.set(name, { versions: [], live: false });
    this.retired += 1;
  }
  async keyOp() {
    if (this.keyVersions === 0) {
      await this.keys.createEcKey(this.key, { curve: "P-256" });
      this.keyVersions = 1;
      return;
    }
    if (Math.random() < 0.1) {
      await this.keys.rotateKey(this.key);
      this.keyVersions += 1;
      return;
    }
    // One CryptographyClient per client, on the versionless id (the latest version): each SDK client keeps its
    // own keep-alive connections, so a client per call would open a connection per call.
    this.cc ??= this.server.crypto(`${this.server.url}/keys/${this.key}`);
    const cc = this.cc;
    const digest = createHash("sha256").update(randomBytes(16)).digest();
    const s = await cc.sign("ES256", digest);
    this.expect((await cc.verify("ES256", digest, s.result)).result === true, `${this.key}: signature does not verify`);
  }
  async step() {
    const name = this.names[Math.floor(Math.random() * this.names.length)];
    const r = this.record.get(name);
    const roll = Math.random();
    if (r.live && r.versions.length >= 400) await this.retire(name);
    else if (!r.live && r.versions.length === 0) await this.set(name);
    else if (!r.live) await this.recover(name);
    else if (roll < 0.3) await this.set(name);
    else if (roll < 0.5) await this.get(name);
    else if (roll < 0.57) await this.list(name);
    else if (roll < 0.6) await this.listAll();
    else if (roll < 0.68) await this.remove(name);
    else if (roll < 0.73) await this.backupRestore(name);
    else await this.keyOp();
    this.ops += 1;
  }
  async finalCheck() {
    for (const name of this.names) {
      const r = this.record.get(name);
      if (r.versions.length === 0) continue;
      if (!r.live) await this.recover(name);
      await this.list(name);
      const byId = new Map(r.versions.map((v) => [v.id, v.value]));
      for (const v of r.versions.slice(-2)) {
        const s = await this.secrets.getSecret(name, { version: v.id });
        this.expect(s.value === byId.get(v.id), `${name}/${v.id}: value changed`);
      }
    }
    if (this.keyVersions > 0) {
      let n = 0;
      for await (const _ of this.keys.listPropertiesOfKeyVersions(this.key)) n += 1;
      this.expect(n === this.keyVersions, `${this.key}: ${n} versions, ${this.keyVersions} acknowledged`);
    }
  }
}

const server = await startServer({ tlsFiles: Boolean(process.env.SOAK_TLS_FILES) });
const pid = server.proc.pid;
const started = Date.now(), deadline = started + seconds * 1000;
const every = Math.max(5, Math.min(60, Math.floor(seconds / 6))) * 1000;
const samples = [];
// With COLDVAULT_HEAP_LOG=1 the server logs glibc's heap in use every 30 s; the latest line goes beside RSS.
const heap = () => {
  const all = [...server.stderr.matchAll(/heap in use (\d+) KiB, free held (\d+) KiB/g)];
  return all.length ? ` heap_in_use=${(all.at(-1)[1] / 1024).toFixed(1)} MiB free_held=${(all.at(-1)[2] / 1024).toFixed(1)} MiB` : "";
};
const log = (s) => console.log(`t=${Math.round((Date.now() - started) / 1000)}s rss=${s.rssMiB} MiB fds=${s.fds}${heap()}`);
const pool = Array.from({ length: clients }, (_, c) => new Client(server, c));
// The baseline: the first sample taken once every client has made 10 operations, so has opened its keep-alive
// connections (its crypto client's too, made on its first key operation). Under a sanitizer build the first
// sample can come before that (189 descriptors at 5 s, 217 from 10 s on, in one run).
let warm = null;
const timer = setInterval(() => {
  const s = sample(pid);
  samples.push(s);
  log(s);
  if (!warm && pool.every((cl) => cl.ops >= 10)) warm = s;
}, every);

const errors = [];
await Promise.all(pool.map(async (cl) => {
  while (Date.now() < deadline) {
    try {
      await cl.step();
    } catch (e) {
      errors.push(`client ${cl.c}: ${e.statusCode ?? ""} ${e.message}`.slice(0, 300));
      if (errors.length > 20) return;
    }
  }
}));
clearInterval(timer);
for (const cl of pool) {
  try {
    await cl.finalCheck();
  } catch (e) {
    errors.push(`client ${cl.c} final check: ${e.message}`.slice(0, 300));
  }
}
const end = sample(pid);
log(end);
const mismatches = pool.flatMap((cl) => cl.mismatches);
const ops = pool.reduce((n, cl) => n + cl.ops, 0);
const first = warm ?? samples.at(-1) ?? end;
const fiveHundreds = await server.stop();
const recycles = (server.stderr.match(/reopening every vault worker/g) ?? []).length;
console.log(JSON.stringify({ seconds, clients, ops, opsPerSecond: Math.round(ops / seconds), errors: errors.length,
                             mismatches: mismatches.length, server5xx: fiveHundreds, rssFirstMiB: first.rssMiB,
                             rssEndMiB: end.rssMiB, rssMaxMiB: Math.max(...samples.map((s) => s.rssMiB), end.rssMiB),
                             fdsFirst: first.fds, fdsEnd: end.fds, moduleRecycles: recycles,
                             namesRetired: pool.reduce((n, cl) => n + cl.retired, 0) }));
for (const line of [...errors, ...mismatches].slice(0, 20)) console.log(`  ${line}`);
assert.equal(errors.length, 0, "client errors");
assert.equal(mismatches.length, 0, "answers that disagree with the clients' records");
assert.equal(fiveHundreds, 0, "5xx answers");
assert.ok(ops > clients, "every client made progress");
assert.ok(recycles >= Number(process.env.SOAK_MIN_RECYCLES ?? 0), `${recycles} module recycles`);
// The baseline sample is taken with every client connected; the keep-alive sockets are still open at the end.
// More descriptors than that plus slack means something is not being closed.
assert.ok(end.fds <= first.fds + 16, `file descriptors grew from ${first.fds} to ${end.fds}`);
// Flat means bounded: the end within 1.5x the first sample plus 32 MiB (allocator and cache warm-up).
assert.ok(end.rssMiB <= first.rssMiB * 1.5 + 32, `RSS grew from ${first.rssMiB} to ${end.rssMiB} MiB`);
console.log("soak: ok");

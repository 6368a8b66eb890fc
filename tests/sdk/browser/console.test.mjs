// The web console (docs/adr/0020-web-console.md) in a real browser: Debian's headless Chromium driven by
// playwright-core, against `coldvault serve` on a fresh SoftHSM home (harness.mjs). The seed's portal flow:
// lists that match the REST counts, Show for a secret's value, Download Backup, purge, Restore Backup; and
// what keeps the page safe: an XSS canary stays text, the CSP and nosniff headers, a wrong token's message,
// CORS only for this server's own origins. Screenshots of the main views go to CONSOLE_SCREENSHOTS.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import https from "node:https";
import { chromium } from "playwright-core";
import { API, CV, cv, request, startServer } from "../harness.mjs";

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = process.env.CONSOLE_SCREENSHOTS || join(process.cwd(), "console-screenshots");
const CANARY = "<img src=x onerror=window.__pwned=1>";

let server, browser, page, dialogs = 0, files, bundles;
const pageErrors = [];  // uncaught exceptions and CSP refusals: the console must cause none

async function all(path) {
  let items = [], url = `${path}?${API}&maxresults=5`;
  while (url) {
    const r = await request(server, "GET", url);
    assert.equal(r.status, 200, r.text);
    items = items.concat(r.body.value);
    url = r.body.nextLink ? new URL(r.body.nextLink).pathname + new URL(r.body.nextLink).search : null;
  }
  return items;
}

async function ok(method, path, body) {
  const r = await request(server, method, `${path}?${API}`, { body });
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${r.text}`);
  return r.body;
}

async function shot(name) { await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); }

// Every row of the current list, following "Load more" to the end.
async function loadAll() {
  const count = page.locator("main p.count");
  for (;;) {
    const text = await count.textContent();
    if (/ in all$/.test(text)) break;
    await page.locator("main button.load-more").click();
    await page.waitForFunction((before) => document.querySelector("main p.count").textContent !== before, text);
  }
  return page.locator("main table tbody tr").count();
}

async function nav(label) {
  await page.locator("#nav button", { hasText: new RegExp(`^${label}$`) }).click();
  await page.locator("main h2").waitFor();
}

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: scripts/setup-deps installs Debian's chromium`);
  mkdirSync(SHOTS, { recursive: true });
  bundles = mkdtempSync(join(tmpdir(), "cv-console-bundles-"));
  server = await startServer({ vaults: ["consolevault", "othervault"], extraArgs: ["--bundle-dir", bundles] });
  files = join(server.dir, "files");
  mkdirSync(files);
  // 13 secrets (one with three versions, one carrying the canary in a tag and its content type), 6 keys
  // (one with two versions), 2 self-signed certificates: more than one page at a page size of 5.
  for (let i = 0; i < 11; i++) await ok("PUT", `/secrets/plain${String(i).padStart(2, "0")}`, { value: `plain-${i}` });
  for (let v = 0; v < 3; v++) await ok("PUT", "/secrets/multi", { value: `multi-value-${v}`, tags: { round: String(v) } });
  await ok("PUT", "/secrets/canary", { value: "x", contentType: CANARY, tags: { canary: CANARY } });
  for (let i = 0; i < 6; i++) await ok("POST", `/keys/key${i}/create`, { kty: "EC", crv: "P-256" });
  await ok("POST", "/keys/key0/create", { kty: "EC", crv: "P-256" });
  for (const c of ["cert-a", "cert-b"])
    await ok("POST", `/certificates/${c}/create`, { policy: { key_props: { kty: "EC", crv: "P-256" },
      x509_props: { subject: `CN=${c}.example` }, issuer: { name: "Self" } } });
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
                                    args: ["--no-sandbox", "--disable-dev-shm-usage"] });
  const context = await browser.newContext({ ignoreHTTPSErrors: true, acceptDownloads: true,
                                             viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on("dialog", (d) => { dialogs++; d.dismiss(); });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  page.on("console", (m) => { if (/Content Security Policy/i.test(m.text())) pageErrors.push(m.text()); });
});

after(async () => {
  if (browser) await browser.close();
  if (server) assert.equal(await server.stop(), 0, "no 5xx");
  if (bundles) rmSync(bundles, { recursive: true, force: true });
});

test("the console's files carry a strict CSP, nosniff and no framing; unknown files are 404", async () => {
  const res = await page.goto(`${server.url}/console/`);
  assert.equal(res.status(), 200);
  const h = res.headers();
  assert.match(h["content-type"], /^text\/html/);
  assert.match(h["content-security-policy"], /default-src 'none'; script-src 'self'; style-src 'self'/);
  assert.match(h["content-security-policy"], /frame-ancestors 'none'/);
  assert.doesNotMatch(h["content-security-policy"], /unsafe-inline|unsafe-eval/);
  assert.equal(h["x-content-type-options"], "nosniff");
  assert.equal(h["x-frame-options"], "DENY");
  const js = await request(server, "GET", "/console/app.mjs", { token: null });
  assert.equal(js.status, 200);
  assert.match(js.headers["content-type"], /^text\/javascript/);
  assert.equal(js.headers["x-content-type-options"], "nosniff");
  assert.equal((await request(server, "GET", "/console/nothere.mjs", { token: null })).status, 404);
  const redirect = await request(server, "GET", "/console", { token: null });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, "/console/");
  // The API's answers carry nosniff and no-framing too.
  const api = await request(server, "GET", `/secrets?${API}`);
  assert.equal(api.headers["x-content-type-options"], "nosniff");
});

test("a wrong token shows a clear message and never the token", async () => {
  await page.fill("#token", "wrong-token-d41d8cd98f00");
  await page.click("#connect-form button[type=submit]");
  await page.locator("#message", { hasText: "The token was refused" }).waitFor();
  assert.equal(await page.locator("#workspace").isHidden(), true);
  assert.doesNotMatch(await page.content(), /wrong-token-d41d8cd98f00/);
  await shot("wrong-token");
});

test("lists page through and match the REST counts", async () => {
  await page.fill("#token", server.token);
  await page.click("#connect-form button[type=submit]");
  await page.locator("main h2", { hasText: "Secrets in consolevault" }).waitFor();
  assert.doesNotMatch(await page.content(), new RegExp(server.token), "the token is not in the DOM");
  assert.equal(await page.evaluate(() => document.activeElement.textContent), "Secrets", "focus on the navigation");
  await page.selectOption("main select", "5");
  await page.locator("main table tbody tr").first().waitFor();
  for (const [label, path] of [["Secrets", "/secrets"], ["Keys", "/keys"], ["Certificates", "/certificates"]]) {
    if (label !== "Secrets") await nav(label);
    await page.locator("main table tbody tr").first().waitFor();
    assert.equal(await page.locator("main table tbody tr").count() <= 5, true, `${label}: one page of 5`);
    const rest = (await all(path)).length;
    assert.ok(label !== "Secrets" || rest > 10, "several pages");
    assert.equal(await loadAll(), rest, `${label}: the console lists what REST lists`);
    if (label === "Secrets") await shot("secrets");
  }
  // Keyboard: Tab from the focused view button reaches the next one, Enter opens it.
  await page.locator("#nav button", { hasText: /^Secrets$/ }).focus();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.locator("main h2", { hasText: "Keys in consolevault" }).waitFor();
});

test("an XSS canary in a tag and a content type renders as text and runs nothing", async () => {
  await nav("Secrets");
  await loadAll();
  await page.locator("main td", { hasText: CANARY }).first().waitFor();
  assert.equal(await page.locator("main td", { hasText: CANARY }).count(), 2, "tag and content type, as text");
  assert.equal(await page.locator("main img").count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.equal(dialogs, 0);
});

test("a secret's value is in the page only after Show", async () => {
  await page.locator("main button.link", { hasText: /^multi$/ }).click();
  await page.locator("main table.versions tbody tr").nth(2).waitFor();
  assert.equal(await page.locator("main table.versions tbody tr").count(), 3);
  assert.doesNotMatch(await page.content(), /multi-value-/);
  await shot("secret");
  const versions = await all("/secrets/multi/versions");
  const first = versions[0].id.split("/").pop();
  await page.locator("main table.versions tbody tr", { hasText: first }).getByRole("button", { name: "Show" }).click();
  const expected = (await ok("GET", `/secrets/multi/${first}`)).value;
  await page.locator("main pre.secret-value", { hasText: expected }).waitFor();
  await page.getByRole("button", { name: "Hide" }).click();
  assert.doesNotMatch(await page.content(), /multi-value-/);
});

// Clicks Download Backup on the open object's page; returns [downloaded bytes, REST value's bytes].
async function downloadBackup(path) {
  const [response, download] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === path && r.request().method() === "POST"),
    page.waitForEvent("download"),
    page.getByRole("button", { name: "Download Backup" }).click(),
  ]);
  const value = Buffer.from((await response.json()).value, "base64url");
  const file = join(files, download.suggestedFilename());
  await download.saveAs(file);
  return [readFileSync(file), value, file];
}

test("Download Backup saves the REST value's bytes, as the CLI's .blob file; purge, then Restore Backup brings every version back", async () => {
  const before = (await all("/secrets/multi/versions")).map((v) => v.id).sort();
  const [bytes, value, file] = await downloadBackup("/secrets/multi/backup");
  assert.equal(file.endsWith("multi.blob"), true);
  assert.deepEqual(bytes, value, "the file holds exactly the REST value's bytes");
  assert.equal(bytes[0], 0x3c);
  assert.equal(bytes.subarray(1, 25).toString("latin1"), "ColdVaultSecretBackupV1.", "raw envelope, as `backup --file` writes");
  writeFileSync(join(files, "multi.value.txt"), value.toString("base64url"));

  await page.getByRole("button", { name: "Delete", exact: true }).click();
  await page.getByRole("button", { name: "Confirm: delete secret multi" }).click();
  await page.locator("#message", { hasText: "Deleted secret multi" }).waitFor();
  await nav("Deleted secrets");
  const row = page.locator("main table tbody tr", { hasText: "multi" });
  await row.waitFor();
  await shot("deleted");
  await row.getByRole("button", { name: "Purge" }).click();
  await row.getByRole("button", { name: "Confirm: purge multi for good" }).click();
  await page.locator("#message", { hasText: "Purged secret multi" }).waitFor();
  assert.equal((await request(server, "GET", `/deletedsecrets/multi?${API}`)).status, 404);
  assert.equal((await request(server, "GET", `/secrets/multi?${API}`)).status, 404);

  await nav("Secrets");
  await page.setInputFiles("main input.restore-input", file);
  await page.locator("#message", { hasText: "Restored secret multi" }).waitFor();
  await page.locator("main table.versions tbody tr").nth(2).waitFor();
  const restored = (await all("/secrets/multi/versions")).map((v) => v.id).sort();
  assert.deepEqual(restored, before, "every version is back with its id");
});

test("keys and certificates: Download Backup equals the REST value; Restore Backup of a purged key", async () => {
  await nav("Keys");
  await page.locator("main button.link", { hasText: /^key0$/ }).click();
  await page.locator("main table.versions tbody tr").nth(1).waitFor();
  const before = (await all("/keys/key0/versions")).map((v) => v.kid).sort();
  const [kbytes, kvalue, kfile] = await downloadBackup("/keys/key0/backup");
  assert.deepEqual(kbytes, kvalue);
  await ok("DELETE", "/keys/key0");
  await ok("DELETE", "/deletedkeys/key0");
  await nav("Keys");
  await page.setInputFiles("main input.restore-input", kfile);
  await page.locator("#message", { hasText: "Restored key key0" }).waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}; the page says: ${await page.locator("#message").textContent()}`);
  });
  assert.deepEqual((await all("/keys/key0/versions")).map((v) => v.kid).sort(), before);
  // Recover from the Deleted keys view.
  await ok("DELETE", "/keys/key5");
  await nav("Deleted keys");
  await page.locator("main table tbody tr", { hasText: "key5" }).getByRole("button", { name: "Recover" }).click();
  await page.locator("#message", { hasText: "Recovered key key5" }).waitFor();
  assert.equal((await request(server, "GET", `/keys/key5?${API}`)).status, 200);

  await nav("Certificates");
  await page.locator("main button.link", { hasText: /^cert-a$/ }).click();
  await page.locator("main table.versions tbody tr").first().waitFor();
  const [cbytes, cvalue] = await downloadBackup("/certificates/cert-a/backup");
  assert.deepEqual(cbytes, cvalue);
  assert.equal(cbytes.subarray(1, 30).toString("latin1"), "ColdVaultCertificateBackupV1.");
});

test("blob verification: a verdict for a good blob, a refusal for a tampered one", async () => {
  await nav("Verify a blob");
  const good = join(files, "multi.blob");
  await page.setInputFiles("main input.verify-input", good);
  await page.locator("main .verdict.valid", { hasText: "Valid" }).waitFor();
  assert.equal(await page.locator("main dd", { hasText: /^multi$/ }).count() >= 1, true, "the manifest names the secret");
  assert.equal(await page.locator("main dd", { hasText: /^3$/ }).count() >= 1, true, "three versions");
  await shot("verify");
  // One character of the signature changed (still canonical base64url): the blob decodes, the verdict is invalid.
  const bytes = readFileSync(good);
  const at = bytes.length - 40;
  bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
  const bad = join(files, "tampered.blob");
  writeFileSync(bad, bytes);
  await page.setInputFiles("main input.verify-input", bad);
  await page.locator("main .verdict.invalid", { hasText: "Invalid: tampered.blob" }).waitFor();
  await page.locator("main dd", { hasText: /^FAILED$/ }).first().waitFor();
  // A byte in the middle of the JWS payload changed: the blob does not even decode, and is refused.
  const broken = readFileSync(good);
  broken[Math.floor(broken.length / 2)] = 0x21;  // '!' is no base64url character
  writeFileSync(join(files, "broken.blob"), broken);
  await page.setInputFiles("main input.verify-input", join(files, "broken.blob"));
  await page.locator("main .verdict.refused", { hasText: "Refused: broken.blob" }).waitFor();
});

test("another vault of this server is reached through CORS (only for this server's origins)", async () => {
  await nav("Vaults");
  await page.fill("main input[type=text]", "othervault");
  await page.getByRole("button", { name: "Open" }).click();
  // The token is this vault's: the other vault answers (CORS let the browser read it) and refuses it.
  await page.locator("#message", { hasText: "Could not open vault othervault: The token was refused" }).waitFor();
  const port = server.port;
  const pre = await request(server, "OPTIONS", `/secrets?${API}`, { token: null, host: `othervault.vault.localhost:${port}`,
    headers: { Origin: `https://consolevault.localhost:${port}`, "Access-Control-Request-Method": "GET" } });
  assert.equal(pre.status, 204);
  assert.equal(pre.headers["access-control-allow-origin"], `https://consolevault.localhost:${port}`);
  const evil = await request(server, "OPTIONS", `/secrets?${API}`, { token: null,
    headers: { Origin: "https://evil.example", "Access-Control-Request-Method": "GET" } });
  assert.equal(evil.status, 403);
  assert.equal(evil.headers["access-control-allow-origin"], undefined);
  const other = await request(server, "GET", `/secrets?${API}`, { headers: { Origin: `https://localhost:${port + 1}` } });
  assert.equal(other.headers["access-control-allow-origin"], undefined, "another port is another server");
});

test("a whole-vault backup job starts, its progress ends in the bundle file, and the bundle downloads", async () => {
  await nav("Vault backup");
  await page.getByRole("button", { name: "Start whole-vault backup" }).click();
  await page.locator("#message", { hasText: "The vault backup is written" }).waitFor();
  const written = readdirSync(bundles).filter((f) => f.endsWith(".cvb"));
  assert.equal(written.length, 1);
  await page.locator("main dd", { hasText: written[0] }).waitFor();
  await page.locator("main dd", { hasText: /^Succeeded$/ }).waitFor();
  const [download] = await Promise.all([page.waitForEvent("download"),
                                        page.getByRole("button", { name: "Download bundle" }).click()]);
  assert.equal(download.suggestedFilename(), written[0]);
  const saved = join(files, written[0]);
  await download.saveAs(saved);
  assert.deepEqual(readFileSync(saved), readFileSync(join(bundles, written[0])), "the bundle's bytes, as written");
  const unknown = await request(server, "GET", `/backup/${"0".repeat(32)}/bundle?${API}`);
  assert.equal(unknown.status, 404, unknown.text);
  await shot("vault-backup");
});

test("an admin token lists the vaults of the server", async () => {
  const admin = JSON.parse(cv(server.home, "token", "create", "--admin")).token;
  const p = await browser.newPage({ ignoreHTTPSErrors: true });
  await p.goto(`${server.url}/console/`);
  await p.fill("#token", admin);
  await p.click("#connect-form button[type=submit]");
  await p.locator("main h2", { hasText: "Vaults of this server" }).waitFor();
  assert.deepEqual((await p.locator("main ul.vault-list li").allTextContents()).sort(), ["consolevault", "othervault"]);
  await p.close();
});

test("usable on a narrow window", async () => {
  await page.setViewportSize({ width: 400, height: 800 });
  await nav("Secrets");
  await page.locator("main table tbody tr").first().waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no horizontal scroll (${overflow} px too wide)`);
  // Every control of the main views has a label.
  for (const view of ["Secrets", "Deleted keys", "Vaults", "Verify a blob"]) {
    await nav(view);
    const unlabelled = await page.evaluate(() =>
      [...document.querySelectorAll("main input, main select")].filter((i) => i.labels.length === 0).length);
    assert.equal(unlabelled, 0, `${view}: every input has a <label for>`);
  }
  await shot("secrets-narrow");
  await page.setViewportSize({ width: 1280, height: 800 });
});

test("the console raised no uncaught exception and no CSP refusal", () => {
  assert.deepEqual(pageErrors, []);
});

// `serve --ephemeral` prints one session token that opens every vault: the console switches vault (another
// origin of the same server, through CORS) without the token being pasted again.
test("a session token of several vaults switches vault without pasting it again", async () => {
  const tmp = mkdtempSync(join(tmpdir(), "cv-console-eph-"));
  const proc = spawn(CV, ["serve", "--ephemeral", "--vault-name", "app", "--vault-name", "other"], {
    env: { ...process.env, TMPDIR: tmp }, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const info = await new Promise((resolve, reject) => {
      let out = "";
      proc.stdout.on("data", (d) => { out += d; if (out.includes("\n")) resolve(JSON.parse(out.slice(0, out.indexOf("\n")))); });
      proc.on("exit", (code) => reject(new Error(`serve --ephemeral exited ${code}`)));
    });
    const port = new URL(info.vaults.other).port;
    const ca = readFileSync(info.caFile, "utf8");
    await new Promise((resolve, reject) => {
      const body = JSON.stringify({ value: "only-in-other" });
      const req = https.request({ host: "127.0.0.1", port, method: "PUT", path: `/secrets/in-other?${API}`, ca,
        servername: "localhost", headers: { Host: `other.localhost:${port}`, Authorization: `Bearer ${info.token}`,
                                            "Content-Type": "application/json", "Content-Length": body.length } },
        (res) => { res.resume(); res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`seed: ${res.statusCode}`)))); });
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(info.console, `${info.vaults.app}/console/`);
    const p = await browser.newPage({ ignoreHTTPSErrors: true });
    await p.goto(info.console);
    await p.fill("#token", info.token);
    await p.click("#connect-form button[type=submit]");
    await p.locator("main h2", { hasText: "Secrets in app" }).waitFor();
    await p.locator("#nav button", { hasText: /^Vaults$/ }).click();
    await p.fill("main input[type=text]", "other");
    await p.getByRole("button", { name: "Open" }).click();
    await p.locator("main h2", { hasText: "Secrets in other" }).waitFor();
    await p.locator("main button.link", { hasText: /^in-other$/ }).waitFor();
    assert.match(await p.locator("#vault-label").textContent(), /other\.vault\.localhost/);
    await p.close();
  } finally {
    const done = new Promise((r) => proc.on("exit", r));
    proc.kill("SIGTERM");
    await done;
    rmSync(tmp, { recursive: true, force: true });
  }
});

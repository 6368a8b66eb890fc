// @azure/keyvault-certificates against coldvault serve: self-signed create, CSR + merge with a test CA
// made by the openssl CLI, PFX and PEM import, policy, delete/recover/purge, backup/restore, and the
// certificate's backing key and secret as the other SDK clients see them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { startServer, request, mintToken, API } from "./harness.mjs";

let server, client, secrets, keys, dir;
before(async () => {
  server = await startServer();
  client = server.certificates();
  secrets = server.secrets();
  keys = server.keys();
  dir = mkdtempSync(join(tmpdir(), "cv-certs-"));
  // The test CA that signs CSRs (EC keeps openssl fast).
  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
          "-keyout", "ca-key.pem", "-out", "ca.pem", "-subj", "/CN=coldvault test CA", "-days", "30");
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

const fast = { intervalInMs: 50 };
const sha1 = (b) => createHash("sha1").update(b).digest();
// Passwords reach openssl through a file or the environment, never argv.
function openssl(...args) {
  return execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"],
                                          env: { ...process.env, PFXPW: "" } });
}
const derOfPem = (pem) => new X509Certificate(pem).raw;
// The private key in openssl's PKCS#12 dump (which orders key and certificates by the PFX's bags).
const keyOfPem = (pem) => createPrivateKey(pem.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[^-]+-----END [A-Z ]*PRIVATE KEY-----/)[0]);
const spki = (k) => k.export({ type: "spki", format: "der" });

// Signs a CSR (DER) with the test CA, copying its extensions (SANs); returns the leaf's PEM.
function signCsr(csr, tag) {
  const b64 = Buffer.from(csr).toString("base64").replace(/.{64}/g, "$&\n");
  writeFileSync(join(dir, `${tag}.csr`), `-----BEGIN CERTIFICATE REQUEST-----\n${b64}\n-----END CERTIFICATE REQUEST-----\n`);
  openssl("req", "-in", `${tag}.csr`, "-verify", "-noout");  // the token's CSR signature is valid
  openssl("x509", "-req", "-in", `${tag}.csr`, "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
          "-copy_extensions", "copy", "-days", "20", "-out", `${tag}.pem`);
  return readFileSync(join(dir, `${tag}.pem`), "utf8");
}

// The PFX of a certificate's secret, opened by the openssl CLI (node cannot read PKCS#12): key and certs.
function openPfx(base64, tag) {
  writeFileSync(join(dir, `${tag}.pfx`), Buffer.from(base64, "base64"), { mode: 0o600 });
  const pem = openssl("pkcs12", "-in", `${tag}.pfx`, "-nodes", "-passin", "env:PFXPW").toString();
  rmSync(join(dir, `${tag}.pfx`));
  return pem;
}

const selfPolicy = {
  issuerName: "Self",
  subject: "CN=app.example, O=Contoso",
  subjectAlternativeNames: { dnsNames: ["app.example", "www.app.example"], emails: ["ops@app.example"] },
  enhancedKeyUsage: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"],
  keyUsage: ["digitalSignature", "keyEncipherment"],
  validityInMonths: 6,
  keyType: "RSA",
  keySize: 2048,
  exportable: true,
  contentType: "application/x-pkcs12",
};

test("self-signed create: cer parses and verifies, x5t, kid/sid, PFX secret holds the key", async () => {
  const poller = await client.beginCreateCertificate("selfcert", selfPolicy, { ...fast, tags: { env: "t" } });
  const cert = await poller.pollUntilDone();
  const x = new X509Certificate(cert.cer);
  assert.match(x.subject, /CN=app\.example/);
  assert.match(x.subject, /O=Contoso/);
  assert.match(x.subjectAltName, /DNS:app\.example/);
  assert.match(x.subjectAltName, /DNS:www\.app\.example/);
  assert.match(x.subjectAltName, /email:ops@app\.example/);
  assert.deepEqual([...x.keyUsage].sort(), ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]);
  assert.equal(x.verify(x.publicKey), true, "self-signed: verifies with its own key");
  const months = (Date.parse(x.validTo) - Date.now()) / (30.5 * 86400_000);
  assert.ok(months > 5.5 && months < 6.5, `validity ~6 months, got ${months}`);
  assert.deepEqual(Buffer.from(cert.properties.x509Thumbprint), sha1(x.raw));
  assert.equal(cert.properties.x509ThumbprintString, sha1(x.raw).toString("hex"));
  const v = cert.properties.version;
  assert.match(v, /^[0-9a-f]{32}$/);
  assert.equal(cert.keyId, `${server.url}/keys/selfcert/${v}`);
  assert.equal(cert.secretId, `${server.url}/secrets/selfcert/${v}`);
  assert.deepEqual(cert.properties.tags, { env: "t" });
  assert.equal(cert.policy.issuerName, "Self");
  assert.deepEqual(cert.policy.subjectAlternativeNames.dnsNames, ["app.example", "www.app.example"]);

  const same = await client.getCertificateVersion("selfcert", v);
  assert.deepEqual(Buffer.from(same.cer), x.raw);
  const op = await client.getCertificateOperation("selfcert", fast);
  assert.equal(op.getOperationState().certificateOperation.status, "completed");

  // The backing key is the certificate's public key; the secret is a PFX of key + certificate.
  const k = await keys.getKey("selfcert", { version: v });
  assert.equal(Buffer.from(k.key.n).toString("base64url"), x.publicKey.export({ format: "jwk" }).n);
  const s = await secrets.getSecret("selfcert", { version: v });
  assert.equal(s.properties.contentType, "application/x-pkcs12");
  const pem = openPfx(s.value, "selfcert");
  assert.deepEqual(spki(createPublicKey(keyOfPem(pem))), spki(x.publicKey), "PFX key matches the cer");
  assert.deepEqual(derOfPem(pem.slice(pem.indexOf("-----BEGIN CERTIFICATE"))), x.raw);
});

test("versions, list, update properties", async () => {
  const ec = { issuerName: "Self", subject: "CN=multi", keyType: "EC", keyCurveName: "P-256" };
  const v1 = await (await client.beginCreateCertificate("multi", ec, fast)).pollUntilDone();
  const v2 = await (await client.beginCreateCertificate("multi", ec, fast)).pollUntilDone();
  assert.notEqual(v1.properties.version, v2.properties.version);
  assert.equal((await client.getCertificate("multi")).properties.version, v2.properties.version);
  assert.equal(new X509Certificate(v2.cer).publicKey.asymmetricKeyDetails.namedCurve, "prime256v1");
  const versions = [];
  for await (const page of client.listPropertiesOfCertificateVersions("multi").byPage({ maxPageSize: 1 }))
    for (const p of page) versions.push(p.version);
  assert.deepEqual(versions.sort(), [v1.properties.version, v2.properties.version].sort());
  const names = [];
  for await (const p of client.listPropertiesOfCertificates()) {
    names.push(p.name);
    if (p.name === "multi") assert.ok(p.x509Thumbprint?.length === 20, "list items carry x5t");
  }
  assert.ok(names.includes("multi") && names.includes("selfcert"));
  const u = await client.updateCertificateProperties("multi", "", { tags: { a: "b" } });
  assert.deepEqual(u.properties.tags, { a: "b" });
  assert.equal(u.properties.version, v2.properties.version);
  const d = await client.updateCertificateProperties("multi", v1.properties.version, { enabled: false });
  assert.equal(d.properties.enabled, false);
  assert.deepEqual((await client.getCertificate("multi")).properties.tags, { a: "b" }, "v2 untouched");
});

test("import a PFX with a password (file to openssl, never argv) and a PEM; wrong password is 400", async () => {
  openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "imp-key.pem", "-out", "imp.pem",
          "-subj", "/CN=imported.example", "-days", "30");
  const password = "pfx-Pa55word";
  writeFileSync(join(dir, "pw.txt"), password + "\n", { mode: 0o600 });
  openssl("pkcs12", "-export", "-in", "imp.pem", "-inkey", "imp-key.pem", "-out", "imp.pfx", "-passout", "file:pw.txt");
  const pfx = readFileSync(join(dir, "imp.pfx"));
  const der = derOfPem(readFileSync(join(dir, "imp.pem")));
  const c = await client.importCertificate("pfxcert", pfx, { password, tags: { src: "pfx" } });
  assert.deepEqual(Buffer.from(c.cer), der);
  assert.deepEqual(Buffer.from(c.properties.x509Thumbprint), sha1(der));
  assert.deepEqual(c.properties.tags, { src: "pfx" });
  const s = await secrets.getSecret("pfxcert");
  assert.equal(s.properties.contentType, "application/x-pkcs12");
  assert.ok(Buffer.from(s.value, "base64").length > der.length);
  const pem = openPfx(s.value, "pfxcert");
  assert.deepEqual(spki(createPublicKey(keyOfPem(pem))),
                   spki(createPublicKey(readFileSync(join(dir, "imp-key.pem")))));
  await assert.rejects(client.importCertificate("pfxbad", pfx, { password: "wrong" }),
                       (e) => e.statusCode === 400 && e.code === "BadParameter");
  await assert.rejects(client.getCertificate("pfxbad"), (e) => e.statusCode === 404, "nothing created");

  openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384", "-nodes",
          "-keyout", "pem-key.pem", "-out", "pem.pem", "-subj", "/CN=pem.example", "-days", "30");
  const pemText = readFileSync(join(dir, "pem-key.pem"), "utf8") + readFileSync(join(dir, "pem.pem"), "utf8");
  const p = await client.importCertificate("pemcert", Buffer.from(pemText),
                                           { policy: { contentType: "application/x-pem-file" } });
  assert.deepEqual(Buffer.from(p.cer), derOfPem(readFileSync(join(dir, "pem.pem"))));
  const k = await keys.getKey("pemcert");
  assert.equal(k.key.crv, "P-384");
  // No policy reaches the server (the SDK drops it): the secret keeps the format imported.
  const ps = await secrets.getSecret("pemcert");
  assert.equal(ps.properties.contentType, "application/x-pem-file");
  assert.deepEqual(spki(createPublicKey(keyOfPem(ps.value))),
                   spki(createPublicKey(readFileSync(join(dir, "pem-key.pem")))));
});

test("issuer Unknown: CSR, signed by a test CA, merged (DER and the SDK sample's text form)", async () => {
  const policy = { issuerName: "Unknown", subject: "CN=csr.example", subjectAlternativeNames: { dnsNames: ["csr.example"] } };
  await client.beginCreateCertificate("csrcert", policy, fast);  // polls once; stays inProgress
  const poller = await client.getCertificateOperation("csrcert", fast);
  const op = poller.getOperationState().certificateOperation;
  assert.equal(op.status, "inProgress");
  assert.equal(op.issuerName, "Unknown");
  assert.ok(op.csr && op.csr.length > 100);
  const leafPem = signCsr(op.csr, "csrcert");
  const leaf = new X509Certificate(leafPem);
  assert.match(leaf.subjectAltName, /DNS:csr\.example/);
  const ca = new X509Certificate(readFileSync(join(dir, "ca.pem")));
  const merged = await client.mergeCertificate("csrcert", [leaf.raw, ca.raw]);
  assert.deepEqual(Buffer.from(merged.cer), leaf.raw);
  const got = await client.getCertificate("csrcert");
  const x = new X509Certificate(got.cer);
  assert.equal(x.verify(ca.publicKey), true, "issued by the test CA");
  assert.match(x.issuer, /coldvault test CA/);
  assert.equal((await client.getCertificateOperation("csrcert", fast)).getOperationState().certificateOperation.status,
               "completed");
  // The key of a CSR never left the token: the backing key is the leaf's key, the PFX holds the chain.
  const k = await keys.getKey("csrcert");
  assert.equal(Buffer.from(k.key.n).toString("base64url"), x.publicKey.export({ format: "jwk" }).n);
  const pem = openPfx((await secrets.getSecret("csrcert")).value, "csrcert");
  assert.ok(pem.includes(ca.toString().trim().split("\n")[1]), "the PFX carries the chain");
  assert.ok(pem.includes(leafPem.trim().split("\n")[1]), "and the leaf");

  // A second pending certificate: a leaf for another key is refused, then the SDK sample's form (the
  // bytes of the PEM body text) merges.
  await client.beginCreateCertificate("csrcert2", policy, fast);
  await assert.rejects(client.mergeCertificate("csrcert2", [leaf.raw]), (e) => e.statusCode === 400);
  const op2 = (await client.getCertificateOperation("csrcert2", fast)).getOperationState().certificateOperation;
  const body = signCsr(op2.csr, "csrcert2").split("\n").filter((l) => l && !l.startsWith("-----")).join("");
  const m2 = await client.mergeCertificate("csrcert2", [Buffer.from(body)]);
  assert.deepEqual(Buffer.from(m2.cer), Buffer.from(body, "base64"));

  // Cancel and delete a third pending operation.
  await client.beginCreateCertificate("csrcert3", policy, fast);
  const c = await request(server, "PATCH", `/certificates/csrcert3/pending?${API}`, { body: { cancellation_requested: true } });
  assert.equal(c.status, 200, c.text);
  assert.equal(c.body.cancellation_requested, true);
  const del = await client.deleteCertificateOperation("csrcert3");
  assert.equal(del.name, "csrcert3");
  await assert.rejects(client.getCertificateOperation("csrcert3"), (e) => e.statusCode === 404);
});

test("policy: get, update applies to the next version", async () => {
  const p = await client.getCertificatePolicy("selfcert");
  assert.equal(p.subject, "CN=app.example, O=Contoso");
  assert.deepEqual(p.enhancedKeyUsage, selfPolicy.enhancedKeyUsage);
  assert.equal(p.validityInMonths, 6);
  assert.equal(p.keySize, 2048);
  await client.updateCertificatePolicy("selfcert", { ...p, validityInMonths: 3, subject: "CN=renewed.example" });
  const q = await client.getCertificatePolicy("selfcert");
  assert.equal(q.validityInMonths, 3);
  assert.equal(q.subject, "CN=renewed.example");
  assert.deepEqual(q.subjectAlternativeNames.dnsNames, ["app.example", "www.app.example"]);
  // A create without a policy makes a new version with the stored one.
  const r = await request(server, "POST", `/certificates/selfcert/create?${API}`, { body: {} });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.headers.location, `${server.url}/certificates/selfcert/pending?api-version=2025-07-01`);
  const x = new X509Certificate((await client.getCertificate("selfcert")).cer);
  assert.match(x.subject, /CN=renewed\.example/);
});

test("backing key and secret refuse delete (403); delete, get deleted, recover, purge", async () => {
  await assert.rejects(keys.beginDeleteKey("selfcert", fast), (e) => e.statusCode === 403);
  await assert.rejects(secrets.beginDeleteSecret("selfcert", fast), (e) => e.statusCode === 403);
  await (await client.beginCreateCertificate("gone", { issuerName: "Self", subject: "CN=gone" }, fast)).pollUntilDone();
  const d = await (await client.beginDeleteCertificate("gone", fast)).pollUntilDone();
  assert.equal(d.recoveryId, `${server.url}/deletedcertificates/gone`);
  assert.ok(d.deletedOn instanceof Date && d.scheduledPurgeDate > d.deletedOn);
  await assert.rejects(client.getCertificate("gone"), (e) => e.statusCode === 404);
  await assert.rejects(keys.getKey("gone"), (e) => e.statusCode === 404, "the key went with it");
  assert.equal((await client.getDeletedCertificate("gone")).name, "gone");
  const listed = [];
  for await (const c of client.listDeletedCertificates()) listed.push(c.name);
  assert.ok(listed.includes("gone"));
  await (await client.beginRecoverDeletedCertificate("gone", fast)).pollUntilDone();
  assert.equal((await client.getCertificate("gone")).name, "gone");
  assert.equal((await secrets.getSecret("gone")).properties.contentType, "application/x-pkcs12");
  await (await client.beginDeleteCertificate("gone", fast)).pollUntilDone();
  await client.purgeDeletedCertificate("gone");
  await assert.rejects(client.getDeletedCertificate("gone"), (e) => e.statusCode === 404);
});

test("backup, purge, restore into the same vault; a bad blob is 400", async () => {
  const orig = await client.getCertificate("pfxcert");
  const blob = await client.backupCertificate("pfxcert");
  await assert.rejects(client.restoreCertificateBackup(blob), (e) => e.statusCode === 409);
  await (await client.beginDeleteCertificate("pfxcert", fast)).pollUntilDone();
  await client.purgeDeletedCertificate("pfxcert");
  await assert.rejects(client.restoreCertificateBackup(Buffer.from("not-a-blob")), (e) => e.statusCode === 400);
  const r = await client.restoreCertificateBackup(blob);
  assert.equal(r.properties.version, orig.properties.version);
  assert.deepEqual(Buffer.from(r.cer), Buffer.from(orig.cer));
  const s = await secrets.getSecret("pfxcert");
  assert.equal(s.properties.contentType, "application/x-pkcs12");
  assert.ok(openPfx(s.value, "restored").includes("PRIVATE KEY"));
});

test("raw requests: bad base64 is a precise 400; contacts, issuers; certificate permissions", async () => {
  const bad = await request(server, "POST", `/certificates/rawbad/import?${API}`, { body: { value: "***not base64***" } });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "BadParameter");
  assert.match(bad.body.error.message, /Property 'value' must be PEM text or the base64 of a PFX/);
  const m = await request(server, "POST", `/certificates/csrcert/pending/merge?${API}`, { body: { x5c: ["%%%"] } });
  assert.equal(m.status, 400);
  assert.match(m.body.error.message, /x5c\[0\]/);
  const noPolicy = await request(server, "POST", `/certificates/fresh/create?${API}`, { body: {} });
  assert.equal(noPolicy.status, 400);
  assert.match(noPolicy.body.error.message, /'policy' is required/);
  const contacts = await request(server, "GET", `/certificates/contacts?${API}`);
  assert.equal(contacts.status, 404);
  assert.ok(contacts.body.error.code);
  const issuers = [];
  for await (const i of client.listPropertiesOfIssuers()) issuers.push(i);
  assert.deepEqual(issuers, []);
  await assert.rejects(client.createIssuer("Self", "Self"), (e) => e.statusCode === 400, "built-in issuer names");
  const secretsOnly = server.certificates(mintToken(server.home, server.vault, "secrets/all"));
  await assert.rejects(secretsOnly.getCertificate("selfcert"),
                       (e) => e.statusCode === 403 && /certificates get permission/.test(e.message));
  const certsOnly = server.certificates(mintToken(server.home, server.vault, "certificates/all"));
  assert.equal((await certsOnly.getCertificate("selfcert")).name, "selfcert");
});

test("get-secret outContentType converts PFX <-> PEM; previousVersion names the previous certificate version", async () => {
  const pfxPolicy = { ...selfPolicy, subject: "CN=conv.example" };
  const v1 = await (await client.beginCreateCertificate("conv", pfxPolicy, fast)).pollUntilDone();
  const v2 = await (await client.beginCreateCertificate("conv", pfxPolicy, fast)).pollUntilDone();
  const x2 = new X509Certificate(v2.cer);

  // PFX stored, PEM asked for: PKCS#8 key first, then the certificate; the key is the certificate's.
  const pem = await secrets.getSecret("conv", { outContentType: "application/x-pem-file" });
  assert.equal(pem.properties.contentType, "application/x-pem-file");
  assert.match(pem.value, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.deepEqual(spki(createPublicKey(keyOfPem(pem.value))), spki(x2.publicKey), "PEM key matches the cer");
  assert.deepEqual(derOfPem(pem.value.slice(pem.value.indexOf("-----BEGIN CERTIFICATE"))), x2.raw);
  // The same type, or no outContentType: the stored PFX as it is.
  const same = await secrets.getSecret("conv", { outContentType: "application/x-pkcs12" });
  assert.equal(same.value, (await secrets.getSecret("conv")).value);
  assert.equal(same.properties.contentType, "application/x-pkcs12");

  // 2025-07-01: previousVersion is the certificate version made before; none for the first.
  assert.equal(pem.properties.previousVersion, v1.properties.version);
  const first = await secrets.getSecret("conv", { version: v1.properties.version });
  assert.equal(first.properties.previousVersion, undefined);
  // An older api-version does not know the field.
  const old = new SecretClient(server.url, server.credential(), { ...server.options(), serviceVersion: "7.5" });
  assert.equal((await old.getSecret("conv")).properties.previousVersion, undefined);

  // PEM stored, PFX asked for: a PFX without password that openssl opens, holding the same key and cert.
  const pemPolicy = { ...selfPolicy, subject: "CN=conv-pem.example", contentType: "application/x-pem-file" };
  const p1 = await (await client.beginCreateCertificate("convpem", pemPolicy, fast)).pollUntilDone();
  const px = new X509Certificate(p1.cer);
  const pfx = await secrets.getSecret("convpem", { outContentType: "application/x-pkcs12" });
  assert.equal(pfx.properties.contentType, "application/x-pkcs12");
  const opened = openPfx(pfx.value, "convpem");
  assert.deepEqual(spki(createPublicKey(keyOfPem(opened))), spki(px.publicKey), "PFX key matches the cer");
  assert.deepEqual(derOfPem(opened.slice(opened.indexOf("-----BEGIN CERTIFICATE"))), px.raw);

  // Another type, or a secret that is not a certificate's: 400 naming the problem; nothing else changes.
  const bad = await request(server, "GET", `/secrets/conv?${API}&outContentType=text%2Fplain`);
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /outContentType 'text\/plain' is not supported/);
  await secrets.setSecret("plainconv", "hello", { contentType: "text/plain" });
  const notCert = await request(server, "GET", `/secrets/plainconv?${API}&outContentType=application%2Fx-pem-file`);
  assert.equal(notCert.status, 400);
  assert.match(notCert.body.error.message, /secret plainconv has content type 'text\/plain'/);
  assert.equal((await secrets.getSecret("plainconv")).value, "hello");
});

// The certificates SDK does not send maxresults for byPage({ maxPageSize }), so the pages are walked raw:
// maxresults=1, then each nextLink as given, until it is null.
test("certificate lists page one item at a time: certificates, versions, deleted certificates", async () => {
  const policy = { issuerName: "Self", subject: "CN=paged", keyType: "EC", keyCurveName: "P-256" };
  for (const n of ["pc-1", "pc-2", "pc-3"]) await (await client.beginCreateCertificate(n, policy, fast)).pollUntilDone();
  await (await client.beginCreateCertificate("pc-1", policy, fast)).pollUntilDone();
  await (await client.beginDeleteCertificate("pc-3", fast)).pollUntilDone();
  const paged = async (path) => {
    const ids = [];
    let next = `${path}?${API}&maxresults=1`;
    while (next) {
      const r = await request(server, "GET", next);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.ok(r.body.value.length <= 1);
      for (const item of r.body.value) ids.push(item.id.slice(item.id.lastIndexOf("/") + 1));
      next = r.body.nextLink ? new URL(r.body.nextLink).pathname + new URL(r.body.nextLink).search : null;
    }
    return ids;
  };
  const names = await paged("/certificates");
  assert.ok(names.includes("pc-1") && names.includes("pc-2") && !names.includes("pc-3"));
  assert.equal(new Set(names).size, names.length);
  const versions = await paged("/certificates/pc-1/versions");
  assert.equal(versions.length, 2);
  assert.equal(new Set(versions).size, 2);
  const deleted = await paged("/deletedcertificates");
  assert.ok(deleted.includes("pc-3"));
  assert.equal(new Set(deleted).size, deleted.length);
});

// Issue 16 item 6: @azure/keyvault-certificates' contacts and issuers against coldvault serve, stored per vault;
// a certificate created with a CA issuer waits as a CSR with a statusDetails that says why.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, request, mintToken, API } from "./harness.mjs";

let server, client;
before(async () => {
  server = await startServer({ vaults: ["sdkvault", "othervault"] });
  client = server.certificates();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

test("contacts: none is 404; set, get, delete; bad ones are 400 naming the field", async () => {
  await assert.rejects(client.getContacts(), (e) => e.statusCode === 404);
  const set = await client.setContacts([
    { email: "ops@example.com", name: "Ops", phone: "555-0100" },
    { email: "pki@example.com" },
  ]);
  assert.equal(set.length, 2);
  const got = await client.getContacts();
  assert.deepEqual(got.map((c) => c.email), ["ops@example.com", "pki@example.com"]);
  assert.equal(got[0].phone, "555-0100");
  const raw = await request(server, "PUT", `/certificates/contacts?${API}`, { body: { contacts: [{ email: "no-at-sign" }] } });
  assert.equal(raw.status, 400);
  assert.match(raw.body.error.message, /contacts\[0\]\.email/);
  assert.equal((await client.getContacts()).length, 2, "a refused set changes nothing");
  // The SDK's deleteContacts reads the raw body's `contactList` (the model's name, not the wire's `contacts`),
  // so it returns [] against Key Vault too; the raw answer carries the deleted contacts.
  const deleted = await request(server, "DELETE", `/certificates/contacts?${API}`);
  assert.equal(deleted.status, 200);
  assert.equal(deleted.body.contacts.length, 2);
  await client.setContacts([{ email: "again@example.com" }]);
  await client.deleteContacts();
  await assert.rejects(client.getContacts(), (e) => e.statusCode === 404);
});

test("issuers: create, get (no password), list, update, delete", async () => {
  const created = await client.createIssuer("digicert", "DigiCert", {
    accountId: "acct-1",
    password: "issuer-password-never-answered",
    organizationId: "org-7",
    administratorContacts: [{ firstName: "Ada", lastName: "L", email: "ada@example.com", phone: "1" }],
  });
  // The SDK parses an issuer's name out of its id as if it were a certificate's (name "issuers"), against
  // Key Vault too: the id is what to check.
  assert.equal(created.id, `${server.url}/certificates/issuers/digicert`);
  assert.equal(created.provider, "DigiCert");
  assert.equal(created.accountId, "acct-1");
  assert.equal(created.password, undefined);
  const got = await client.getIssuer("digicert");
  assert.equal(got.organizationId, "org-7");
  assert.equal(got.administratorContacts[0].email, "ada@example.com");
  assert.equal(got.enabled, true);
  const raw = await request(server, "GET", `/certificates/issuers/digicert?${API}`);
  assert.ok(!raw.text.includes("issuer-password-never-answered"), "the password never comes back");
  assert.equal(raw.body.id, `${server.url}/certificates/issuers/digicert`);
  await client.createIssuer("globalsign", "GlobalSign");
  const names = [];
  for await (const i of client.listPropertiesOfIssuers()) names.push(`${i.id.split("/").pop()}:${i.provider}`);
  assert.deepEqual(names, ["digicert:DigiCert", "globalsign:GlobalSign"]);
  const updated = await client.updateIssuer("digicert", { provider: "DigiCertUS" });
  assert.equal(updated.provider, "DigiCertUS");
  assert.equal(updated.accountId, "acct-1", "PATCH keeps what it does not name");
  assert.equal(updated.organizationId, "org-7");
  // The SDK's updateIssuer never sends enabled: false (it tests the value for truth); a raw PATCH does.
  const disabled = await request(server, "PATCH", `/certificates/issuers/digicert?${API}`, { body: { attributes: { enabled: false } } });
  assert.equal(disabled.status, 200);
  assert.equal((await client.getIssuer("digicert")).enabled, false);
  const other = await request(server, "GET", `/certificates/issuers?${API}`, {
    host: `othervault.vault.localhost:${server.port}`, token: mintToken(server.home, "othervault", "all") });
  assert.equal(other.status, 200);
  assert.deepEqual(other.body.value, [], "issuers are per vault");
  const gone = await client.deleteIssuer("globalsign");
  assert.equal(gone.provider, "GlobalSign");
  await assert.rejects(client.getIssuer("globalsign"), (e) => e.statusCode === 404);
  await assert.rejects(client.updateIssuer("nosuch", { provider: "X" }), (e) => e.statusCode === 404);
  await assert.rejects(client.deleteIssuer("nosuch"), (e) => e.statusCode === 404);
  const noProvider = await request(server, "PUT", `/certificates/issuers/bad?${API}`, { body: {} });
  assert.equal(noProvider.status, 400);
  assert.match(noProvider.body.error.message, /provider/);
  const badName = await request(server, "PUT", `/certificates/issuers/bad_name?${API}`, { body: { provider: "X" } });
  assert.equal(badName.status, 400);
});

test("a certificate with a CA issuer waits as a CSR, saying whether the issuer is configured", async () => {
  const policy = (issuer) => ({ policy: { key_props: { kty: "EC", crv: "P-256" }, x509_props: { subject: "CN=ca.example" },
                                          issuer: { name: issuer } } });
  const known = await request(server, "POST", `/certificates/viaca/create?${API}`, { body: policy("digicert") });
  assert.equal(known.status, 202);
  assert.ok(known.body.csr, "a CSR to take to the CA");
  assert.notEqual(known.body.status, "completed");
  assert.match(known.body.status_details, /Issuer 'digicert' \(provider DigiCertUS\) is configured/);
  assert.match(known.body.status_details, /merge/);
  const unknown = await request(server, "POST", `/certificates/viaghost/create?${API}`, { body: policy("ghostca") });
  assert.equal(unknown.status, 202);
  assert.match(unknown.body.status_details, /Issuer 'ghostca' is not configured/);
  const pending = await request(server, "GET", `/certificates/viaca/pending?${API}`);
  assert.equal(pending.body.status_details, known.body.status_details);
  const cancel = await request(server, "DELETE", `/certificates/viaghost/pending?${API}`);
  assert.equal(cancel.status, 200);
});

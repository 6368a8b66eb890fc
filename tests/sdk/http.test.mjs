// The wire rules the SDKs depend on, with raw HTTPS: auth challenge, permissions, bad input, paths.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, request, mintToken, cv, API } from "./harness.mjs";

let server;
before(async () => {
  server = await startServer({ vaults: ["httpvault", "other-vault"] });
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

const isJsonError = (r, status, code) => {
  assert.equal(r.status, status, r.text);
  assert.match(r.headers["content-type"], /^application\/json/);
  assert.equal(typeof r.body.error.message, "string");
  if (code) assert.equal(r.body.error.code, code);
};

test("no token: 401 with Key Vault's challenge, before routing or body parsing", async () => {
  for (const [method, path, body] of [["GET", `/secrets/x?${API}`], ["PUT", `/secrets/x?${API}`, ""],
                                      ["POST", `/keys/k//unwrapkey?${API}`, ""], ["GET", "/nonsense"],
                                      ["PUT", `/secrets/x?${API}`, "{not json"]]) {
    const r = await request(server, method, path, { token: null, body });
    isJsonError(r, 401, "Unauthorized");
    assert.equal(r.headers["www-authenticate"],
                 `Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://localhost:${server.port}"`);
  }
  isJsonError(await request(server, "GET", `/secrets?${API}`, { token: "cv1_0000000000000000_nope" }), 401);
  isJsonError(await request(server, "GET", `/secrets?${API}`, { token: "garbage" }), 401);
});

test("a token of another vault is 401; a revoked token is 401", async () => {
  const other = mintToken(server.home, "other-vault", "all");
  isJsonError(await request(server, "GET", `/secrets?${API}`, { token: other }), 401);
  // The same token works on its own vault, selected by Host name.
  const r = await request(server, "GET", `/secrets?${API}`, { token: other, host: `other-vault.vault.localhost:${server.port}` });
  assert.equal(r.status, 200, r.text);
  const t = JSON.parse(cv(server.home, "token", "create", "--vault-name", "httpvault", "--permissions", "secrets/list"));
  assert.equal((await request(server, "GET", `/secrets?${API}`, { token: t.token })).status, 200);
  const listed = JSON.parse(cv(server.home, "token", "list", "--vault-name", "httpvault"));
  assert.ok(listed.some((x) => x.id === t.id) && !JSON.stringify(listed).includes(t.token));
  cv(server.home, "token", "revoke", "--vault-name", "httpvault", "--id", t.id);
  // No wait: the server's token cache is emptied by any commit to the catalogue, so the revocation counts at once.
  isJsonError(await request(server, "GET", `/secrets?${API}`, { token: t.token }), 401);
});

test("vaults are selected by Host and ids use that origin", async () => {
  const host = `other-vault.vault.localhost:${server.port}`;
  const other = mintToken(server.home, "other-vault", "all");
  const r = await request(server, "PUT", `/secrets/where?${API}`, { token: other, host, body: { value: "other" } });
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.id.startsWith(`https://${host}/secrets/where/`));
  isJsonError(await request(server, "GET", `/secrets/where?${API}`), 404, "SecretNotFound");
});

test("missing permission: 403 with Key Vault's body", async () => {
  const tok = mintToken(server.home, "httpvault", "secrets/list,keys/sign");
  const r = await request(server, "GET", `/secrets/x?${API}`, { token: tok });
  isJsonError(r, 403, "Forbidden");
  assert.equal(r.body.error.innererror.code, "AccessDenied");
  assert.match(r.body.error.message, /does not have secrets get permission on key vault 'httpvault/);
  assert.doesNotMatch(r.body.error.message, new RegExp(tok));
});

test("bad input is 4xx with a JSON error body, never 5xx", async () => {
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: "{not json" }), 400, "BadParameter");
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: "[1,2]" }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: {} }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: { value: 5 } }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: { value: "v", tags: { a: 1 } } }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: { value: "v", attributes: { exp: "soon" } } }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: { value: "v", attributes: { enabled: "yes" } } }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad?${API}`, { body: { value: "x".repeat(30000) } }), 400);
  isJsonError(await request(server, "PUT", `/secrets/bad_name?${API}`, { body: { value: "v" } }), 400);
  isJsonError(await request(server, "GET", "/secrets/x"), 400, "BadParameter");
  isJsonError(await request(server, "GET", "/secrets/x?api-version=1999-01-01"), 400, "BadParameter");
  isJsonError(await request(server, "GET", `/secrets?${API}&maxresults=26`), 400);
  isJsonError(await request(server, "GET", `/secrets?${API}&maxresults=0`), 400);
  isJsonError(await request(server, "GET", `/secrets?${API}&$skiptoken=zzz`), 400);
  isJsonError(await request(server, "GET", `/nothing/here?${API}`), 404);
  isJsonError(await request(server, "GET", `/secrets/a/b/c/d?${API}`), 404);
  isJsonError(await request(server, "DELETE", `/secrets?${API}`), 405);
  isJsonError(await request(server, "GET", `/secrets/%zz?${API}`), 400);
  isJsonError(await request(server, "POST", `/keys/nokey/create?${API}`, { body: { kty: "XYZ" } }), 400);
  isJsonError(await request(server, "POST", `/keys/nokey/create?${API}`, { body: { kty: 3 } }), 400);
  isJsonError(await request(server, "POST", `/keys/nokey//sign?${API}`, { body: { alg: "PS256", value: "!!" } }), 400);
  isJsonError(await request(server, "POST", `/keys/nokey//sign?${API}`, { body: { alg: "PS256", value: "AAAA" } }), 404);
  isJsonError(await request(server, "POST", `/secrets/restore?${API}`, { body: { value: "not-a-blob" } }), 400);
  isJsonError(await request(server, "POST", `/keys/restore?${API}`, { body: "not json" }), 400);
  isJsonError(await request(server, "POST", `/secrets/restore?${API}`, { body: { value: 12 } }), 400);
});

test("oversized body: 413 with a JSON body (limit 1 MiB)", async () => {
  const r = await request(server, "PUT", `/secrets/big?${API}`, { body: JSON.stringify({ value: "x".repeat(1_100_000) }) });
  isJsonError(r, 413, "RequestEntityTooLarge");
});

test("trailing slash and double slash paths; api%2Dversion spelling", async () => {
  assert.equal((await request(server, "PUT", `/secrets/slash/?api%2Dversion=7.6`, { body: { value: "s" } })).status, 200);
  const r = await request(server, "GET", `/secrets/slash/?api%2Dversion=7.4`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.value, "s");
  assert.equal((await request(server, "GET", `/secrets/?${API}`)).status, 200);
  assert.equal((await request(server, "GET", `/secrets/slash/versions/?${API}`)).status, 200);
  assert.equal((await request(server, "DELETE", `/deletedsecrets/slash?${API}`)).status, 404);
  const k = await request(server, "POST", `/keys/slk/create?${API}`, { body: { kty: "EC", crv: "P-256" } });
  assert.equal(k.status, 200, k.text);
  const digest = Buffer.alloc(32, 7).toString("base64url");
  const s = await request(server, "POST", `/keys/slk//sign?${API}`, { body: { alg: "ES256", value: digest } });
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.kid, k.body.key.kid);
  const v = await request(server, "POST", `/keys/slk//verify?${API}`, { body: { alg: "ES256", digest, value: s.body.value } });
  assert.deepEqual(v.body, { value: true });
});

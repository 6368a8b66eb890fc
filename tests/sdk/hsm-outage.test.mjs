// The HSM going away mid-run: requests get 503 with a clear message, and the server heals by itself
// when the token is back (the embedded SoftHSM token folder is moved away and back).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { renameSync } from "node:fs";
import { join } from "node:path";
import { startServer, request, API } from "./harness.mjs";

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.stop();  // 503s are expected here
});

test("503 while the token is gone, 200 again when it returns", async () => {
  assert.equal((await request(server, "PUT", `/secrets/s?${API}`, { body: { value: "before" } })).status, 200);
  const tokens = join(server.home, "tokens");
  renameSync(tokens, tokens + ".away");
  try {
    for (const [m, body] of [["GET"], ["PUT", { value: "during" }], ["GET"]]) {
      const r = await request(server, m, `/secrets/s?${API}`, { body });
      assert.equal(r.status, 503, r.text);
      assert.equal(r.body.error.code, "ServiceUnavailable");
      assert.match(r.body.error.message, /HSM/);
      assert.ok(r.headers["retry-after"]);
    }
  } finally {
    renameSync(tokens + ".away", tokens);
  }
  const r = await request(server, "GET", `/secrets/s?${API}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.value, "before");
  // A new connection: its handshake is signed with the token TLS key through the reopened module (before
  // ADR 0025, libp11's sessions died with the outage and every new handshake failed until a restart).
  for (let i = 0; i < 3; i++) {
    const fresh = await request(server, "GET", `/secrets/s?${API}`, { fresh: true });
    assert.equal(fresh.status, 200, fresh.text);
  }
  assert.equal((await request(server, "PUT", `/secrets/s?${API}`, { body: { value: "after" } })).status, 200);
});

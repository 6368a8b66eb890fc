// 64 clients on their own keep-alive connections write versions of one secret at once: every version
// is stored, none is lost, and no answer is a 5xx.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import https from "node:https";
import { startServer, API } from "./harness.mjs";

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  assert.equal(await server.stop(), 0, "no 5xx answers");
});

function call(agent, method, path, body) {
  const data = body === undefined ? undefined : JSON.stringify(body);
  const headers = { Authorization: `Bearer ${server.token}` };
  if (data) Object.assign(headers, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(data) });
  return new Promise((resolve, reject) => {
    const req = https.request({ host: "127.0.0.1", port: server.port, method, path, headers, agent }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
    });
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

test("64 concurrent clients, 5 versions each, one secret: all 320 versions stored", async () => {
  const clients = 64, each = 5;
  const statuses = new Map();
  const ids = new Set();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    const agent = new https.Agent({ keepAlive: true, maxSockets: 1, ca: server.ca });
    for (let i = 0; i < each; i++) {
      const r = await call(agent, "PUT", `/secrets/contended?${API}`, { value: `client-${c}-write-${i}` });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status === 200) ids.add(r.body.id);
    }
    agent.destroy();
  }));
  assert.deepEqual([...statuses.entries()], [[200, clients * each]], "every write answered 200");
  assert.equal(ids.size, clients * each, "every write made its own version");
  const agent = new https.Agent({ keepAlive: true, ca: server.ca });
  const listed = new Set();
  let next = `/secrets/contended/versions?${API}&maxresults=25`;
  while (next) {
    const r = await call(agent, "GET", next);
    assert.equal(r.status, 200);
    for (const v of r.body.value) listed.add(v.id);
    next = r.body.nextLink ? new URL(r.body.nextLink).pathname + new URL(r.body.nextLink).search : null;
  }
  assert.equal(listed.size, clients * each, "list-versions shows every version");
  for (const id of ids) assert.ok(listed.has(id), `version ${id} listed`);
  // And each value reads back as written.
  const sample = [...ids].slice(0, 10);
  for (const id of sample) {
    const r = await call(agent, "GET", `${new URL(id).pathname}?${API}`);
    assert.equal(r.status, 200);
    assert.match(r.body.value, /^client-\d+-write-\d$/);
  }
  agent.destroy();
});

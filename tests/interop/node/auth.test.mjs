// Interop: nats.js v2 (npm `nats`) and v3 (`@nats-io/transport-node`) with users,
// permissions and accounts, against the server in $NATS_SERVER_BIN started with a config
// file: user/password login (and a refused one), a token, a publish permission violation
// reported as an async error while the connection stays up, and a request through a
// service import between accounts.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connect2, StringCodec } from "nats";
import { connect as connect3 } from "@nats-io/transport-node";
import { startServer, withTimeout } from "./server.mjs";

const sc = StringCodec();
const servers = [];
const conns = [];

async function serverWith(conf) {
  const dir = mkdtempSync(join(tmpdir(), "natrium-auth-"));
  const file = join(dir, "server.conf");
  writeFileSync(file, conf);
  const srv = await startServer(["-c", file]);
  servers.push(srv);
  return srv;
}

after(async () => {
  for (const nc of conns) if (!nc.isClosed()) await nc.close();
  for (const s of servers) await s.stop();
});

const USERS = `authorization { users: [
  {user: u, password: p, permissions: {publish: {deny: "secret.>"}}}
  {user: r, password: r}
] }
`;

for (const [name, connect] of [["v2", connect2], ["v3", connect3]]) {
  test(`${name}: user and password, and a refused login`, async () => {
    const srv = await serverWith(USERS);
    const nc = await connect({ servers: srv.hostport, user: "r", pass: "r" });
    conns.push(nc);
    await nc.flush();
    await assert.rejects(
      connect({ servers: srv.hostport, user: "r", pass: "nope", reconnect: false }),
      (err) => /Authorization Violation/i.test(String(err.message ?? err)),
    );
  });

  test(`${name}: a denied publish is an async error; the connection stays`, async () => {
    const srv = await serverWith(USERS);
    const nc = await connect({ servers: srv.hostport, user: "u", pass: "p" });
    const rd = await connect({ servers: srv.hostport, user: "r", pass: "r" });
    conns.push(nc, rd);
    const errs = [];
    (async () => {
      // v2 reports the error code in data; v3 the error itself in error
      for await (const s of nc.status())
        if (s.type === "error") errs.push(String(s.error?.message ?? s.error ?? s.data));
    })();
    const sub = rd.subscribe(">", { max: 1 });
    await rd.flush();
    nc.publish("secret.x", sc.encode("no"));
    nc.publish("open", sc.encode("yes"));
    await nc.flush();
    for await (const m of sub) {
      assert.equal(m.subject, "open");
      assert.equal(sc.decode(m.data), "yes");
    }
    await withTimeout(
      (async () => {
        while (errs.length === 0) await new Promise((r) => setTimeout(r, 10));
      })(),
      3000,
      "the permissions error",
    );
    assert.match(errs[0], /permissions.?violation/i);
    assert.equal(nc.isClosed(), false);
  });

  test(`${name}: token login`, async () => {
    const srv = await serverWith(`authorization { token: "t0k3n" }\n`);
    const nc = await connect({ servers: srv.hostport, token: "t0k3n" });
    conns.push(nc);
    await nc.flush();
    await assert.rejects(connect({ servers: srv.hostport, token: "bad", reconnect: false }));
  });

  test(`${name}: a request through a service import`, async () => {
    const srv = await serverWith(`accounts {
  A { users: [ {user: a, password: a} ], exports: [ {service: "time.>"} ] }
  B { users: [ {user: b, password: b} ], imports: [ {service: {account: A, subject: "time.utc"}, to: "clock"} ] }
}
`);
    const a = await connect({ servers: srv.hostport, user: "a", pass: "a" });
    const b = await connect({ servers: srv.hostport, user: "b", pass: "b" });
    conns.push(a, b);
    const sub = a.subscribe("time.utc");
    (async () => {
      for await (const m of sub) m.respond(sc.encode(`answer to ${sc.decode(m.data)}`));
    })();
    await a.flush();
    const r = await b.request("clock", sc.encode("now"), { timeout: 2000 });
    assert.equal(sc.decode(r.data), "answer to now");
  });
}

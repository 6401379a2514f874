// Interop: nats.js v3 (@nats-io/transport-node 3.4.0) against the server in
// $NATS_SERVER_BIN. The same scenarios as v2.test.mjs with the v3 API (string
// payloads, m.string()/m.json(), RequestError with a NoRespondersError cause).
// One server is shared by the file; the reconnect test starts its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, headers, RequestError, NoRespondersError } from "@nats-io/transport-node";
import { startServer, waitFor, withTimeout } from "./server.mjs";

let srv;
const conns = [];

async function open(opts = {}) {
  const nc = await connect({ servers: srv.hostport, ...opts });
  conns.push(nc);
  return nc;
}

// Collects up to n messages from sub (an async iterator), or gives up after ms.
async function take(sub, n, ms = 3000) {
  const got = [];
  const timer = setTimeout(() => sub.unsubscribe(), ms);
  for await (const m of sub) {
    got.push(m);
    if (got.length === n) break;
  }
  clearTimeout(timer);
  return got;
}

before(async () => {
  srv = await startServer();
});

after(async () => {
  for (const nc of conns) if (!nc.isClosed()) await nc.close();
  await srv?.stop();
});

test("pub/sub", async () => {
  const nc = await open();
  const sub = nc.subscribe("v3.ps");
  await nc.flush();
  nc.publish("v3.ps", "hello");
  nc.publish("v3.ps", new TextEncoder().encode("world"));
  const got = await take(sub, 2);
  assert.deepEqual(
    got.map((m) => m.string()),
    ["hello", "world"],
  );
  assert.equal(got[0].subject, "v3.ps");
});

test("wildcards * and >", async () => {
  const nc = await open();
  const star = [];
  const gt = [];
  const mid = [];
  nc.subscribe("v3.wc.*", { callback: (_e, m) => star.push(m.subject) });
  nc.subscribe("v3.wc.>", { callback: (_e, m) => gt.push(m.subject) });
  nc.subscribe("v3.*.a", { callback: (_e, m) => mid.push(m.subject) });
  await nc.flush();
  for (const s of ["v3.wc.a", "v3.wc.a.b", "v3.wc", "v3.other.a", "v3.wc.b"]) nc.publish(s);
  await nc.flush();
  await sleep(50);
  assert.deepEqual(star, ["v3.wc.a", "v3.wc.b"]);
  assert.deepEqual(gt, ["v3.wc.a", "v3.wc.a.b", "v3.wc.b"]);
  assert.deepEqual(mid, ["v3.wc.a", "v3.other.a"]);
});

test("queue group: each message to exactly one member, all delivered", async () => {
  const N = 300;
  const members = [];
  for (let i = 0; i < 3; i++) {
    const nc = await open();
    const seen = [];
    nc.subscribe("v3.q", { queue: "workers", callback: (_e, m) => seen.push(m.string()) });
    await nc.flush();
    members.push(seen);
  }
  const plain = [];
  const pc = await open();
  pc.subscribe("v3.q", { callback: (_e, m) => plain.push(m.string()) });
  await pc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v3.q", String(i));
  await pub.flush();
  await waitFor(() => members.reduce((a, s) => a + s.length, 0) >= N && plain.length >= N, 5000, "queue deliveries");
  await sleep(100); /* any duplicate would arrive now */
  const all = members.flat();
  assert.equal(all.length, N, "total deliveries to the group");
  assert.equal(new Set(all).size, N, "no message delivered twice");
  for (const seen of members) assert.ok(seen.length > 0, "every member got some messages");
  assert.equal(plain.length, N, "a plain subscriber still gets every message");
});

test("request/reply", async () => {
  const nc = await open();
  nc.subscribe("v3.svc", { callback: (_e, m) => m.respond("echo:" + m.string()) });
  await nc.flush();
  const req = await open();
  const r = await req.request("v3.svc", "ping", { timeout: 2000 });
  assert.equal(r.string(), "echo:ping");
  const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => req.request("v3.svc", `r${i}`, { timeout: 2000 })));
  rs.forEach((m, i) => assert.equal(m.string(), `echo:r${i}`));
  const r2 = await req.request("v3.svc", "solo", { timeout: 2000, noMux: true });
  assert.equal(r2.string(), "echo:solo");
  /* JSON in, JSON out */
  nc.subscribe("v3.add", {
    callback: (_e, m) => {
      const { a, b } = m.json();
      m.respond(JSON.stringify({ result: a + b }));
    },
  });
  await nc.flush();
  assert.deepEqual((await req.request("v3.add", JSON.stringify({ a: 1, b: 2 }))).json(), { result: 3 });
});

test("headers: set on publish, read on receipt, multi-valued", async () => {
  const nc = await open();
  const sub = nc.subscribe("v3.hdr");
  await nc.flush();
  const h = headers();
  h.set("X-Single", "one");
  h.append("X-Multi", "a");
  h.append("X-Multi", "b");
  nc.publish("v3.hdr", "with headers", { headers: h });
  nc.publish("v3.hdr", "", { headers: h }); /* headers and an empty body */
  const [m, e] = await take(sub, 2);
  assert.equal(m.string(), "with headers");
  assert.ok(m.headers, "message has headers");
  assert.equal(m.headers.get("X-Single"), "one");
  assert.deepEqual(m.headers.values("X-Multi"), ["a", "b"]);
  assert.equal(e.data.length, 0);
  assert.deepEqual(e.headers.values("X-Multi"), ["a", "b"]);
  nc.subscribe("v3.hdr.svc", {
    callback: (_e, q) => {
      const rh = headers();
      rh.set("X-Echo", q.headers?.get("X-Single") ?? "missing");
      q.respond("ok", { headers: rh });
    },
  });
  const r = await nc.request("v3.hdr.svc", "q", { headers: h, timeout: 2000 });
  assert.equal(r.headers.get("X-Echo"), "one");
});

test("no responders fails fast, not a timeout", async () => {
  const nc = await open();
  for (const noMux of [false, true]) {
    const t0 = Date.now();
    await assert.rejects(nc.request("v3.nobody", "x", { timeout: 5000, noMux }), (err) => {
      assert.ok(err instanceof RequestError, `got ${err}`);
      assert.ok(err.isNoResponders(), `not a no-responders error: ${err.message}`);
      assert.ok(err.cause instanceof NoRespondersError);
      return true;
    });
    assert.ok(Date.now() - t0 < 2000, `no-responders took ${Date.now() - t0} ms`);
  }
});

test("flush: a round trip makes earlier SUB and PUB visible", async () => {
  const sub = await open();
  const pub = await open();
  const got = [];
  sub.subscribe("v3.flush", { callback: (_e, m) => got.push(m.string()) });
  await sub.flush();
  pub.publish("v3.flush", "x");
  await pub.flush();
  await sub.flush();
  assert.deepEqual(got, ["x"]);
  assert.ok((await pub.rtt()) >= 0);
});

test("drain delivers in-flight messages, then closes", async () => {
  const N = 50;
  const nc = await open();
  const sub = nc.subscribe("v3.drain");
  let processed = 0;
  const loop = (async () => {
    for await (const _m of sub) {
      await sleep(5); /* a slow consumer: messages pile up client-side */
      processed++;
    }
  })();
  await nc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v3.drain", String(i));
  await pub.flush();
  await sleep(20);
  assert.ok(processed < N, "some messages were still in flight when drain started");
  await nc.drain();
  await loop;
  assert.equal(processed, N);
  assert.ok(nc.isClosed());
  const nc2 = await open();
  const s2 = nc2.subscribe("v3.drain2");
  let n2 = 0;
  const loop2 = (async () => {
    for await (const _m of s2) {
      await sleep(1);
      n2++;
    }
  })();
  await nc2.flush();
  for (let i = 0; i < N; i++) pub.publish("v3.drain2", String(i));
  await pub.flush();
  await s2.drain();
  await loop2;
  assert.equal(n2, N);
  assert.ok(!nc2.isClosed());
});

test("auto-unsubscribe after max messages", async () => {
  const nc = await open();
  const sub = nc.subscribe("v3.max", { max: 3 });
  const late = nc.subscribe("v3.max");
  late.unsubscribe(2);
  await nc.flush();
  for (let i = 0; i < 6; i++) nc.publish("v3.max", String(i));
  await nc.flush();
  const got = [];
  for await (const m of sub) got.push(m.string()); /* ends by itself after 3 */
  const got2 = [];
  for await (const m of late) got2.push(m.string());
  assert.deepEqual(got, ["0", "1", "2"]);
  assert.deepEqual(got2, ["0", "1"]);
  assert.ok(sub.isClosed());
  /* the server enforced the limits too: it sent 3 + 2 messages, not 12 */
  await nc.flush();
  assert.equal(nc.stats().inMsgs, 5);
});

test("payload just under 1 MiB", async () => {
  const nc = await open();
  assert.equal(nc.info.max_payload, 1048576);
  const size = 1048576 - 256;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + 7) & 0xff;
  const sub = nc.subscribe("v3.big", { max: 1 });
  await nc.flush();
  const pub = await open();
  pub.publish("v3.big", data);
  const [m] = await take(sub, 1, 5000);
  assert.equal(m.data.length, size);
  assert.ok(Buffer.from(m.data).equals(Buffer.from(data)), "payload bytes intact");
});

test("100k small messages, all received in order", async () => {
  const N = 100000;
  const nc = await open();
  let n = 0;
  let outOfOrder = 0;
  nc.subscribe("v3.many", {
    callback: (_e, m) => {
      if (Number(m.string()) !== n) outOfOrder++;
      n++;
    },
  });
  await nc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v3.many", String(i));
  await pub.flush();
  await waitFor(() => n >= N, 20000, `${N} messages (got ${n})`);
  assert.equal(n, N);
  assert.equal(outOfOrder, 0);
});

test("reconnect after a server restart on the same port", async () => {
  const own = await startServer();
  let nc;
  try {
    nc = await connect({
      servers: own.hostport,
      reconnectTimeWait: 100,
      reconnectJitter: 0,
      maxReconnectAttempts: -1,
    });
    const events = [];
    (async () => {
      for await (const s of nc.status()) events.push(s.type);
    })();
    const sub = nc.subscribe("v3.re");
    const it = sub[Symbol.asyncIterator]();
    await nc.flush();
    nc.publish("v3.re", "before");
    assert.equal((await it.next()).value.string(), "before");

    await own.restart();
    await waitFor(() => events.includes("reconnect"), 5000, "reconnect event");
    assert.ok(events.includes("disconnect"));
    nc.publish("v3.re", "after");
    const next = await withTimeout(it.next(), 3000, "a message after the reconnect");
    assert.equal(next.value.string(), "after");
    nc.subscribe("v3.re.svc", { callback: (_e, m) => m.respond(JSON.stringify({ ok: true })) });
    const r = await nc.request("v3.re.svc", "", { timeout: 2000 });
    assert.deepEqual(r.json(), { ok: true });
  } finally {
    await nc?.close();
    await own.stop();
  }
});

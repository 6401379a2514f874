// Interop: nats.js v2 (npm `nats` 2.29.3) against the server in $NATS_SERVER_BIN.
// Core NATS only: pub/sub, wildcards, queue groups, request/reply, headers, no
// responders, flush, drain, auto-unsubscribe, reconnect after a restart on the same
// port, a payload just under 1 MiB and 100k messages in order. One server is shared
// by the file; the reconnect test starts its own.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { connect, StringCodec, JSONCodec, headers, ErrorCode, Events } from "nats";
import { startServer, waitFor, withTimeout } from "./server.mjs";

const sc = StringCodec();
const jc = JSONCodec();
let srv;
const conns = [];

async function open(opts = {}) {
  const nc = await connect({ servers: srv.hostport, ...opts });
  conns.push(nc);
  return nc;
}

// Collects up to n messages from sub (an async iterator), or fails after ms.
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
  const sub = nc.subscribe("v2.ps");
  await nc.flush();
  nc.publish("v2.ps", sc.encode("hello"));
  nc.publish("v2.ps", sc.encode("world"));
  const got = await take(sub, 2);
  assert.deepEqual(
    got.map((m) => sc.decode(m.data)),
    ["hello", "world"],
  );
  assert.equal(got[0].subject, "v2.ps");
});

test("wildcards * and >", async () => {
  const nc = await open();
  const star = [];
  const gt = [];
  nc.subscribe("v2.wc.*", { callback: (_e, m) => star.push(m.subject) });
  nc.subscribe("v2.wc.>", { callback: (_e, m) => gt.push(m.subject) });
  nc.subscribe("v2.*.a", { callback: (_e, m) => gt.push("mid:" + m.subject) });
  await nc.flush();
  for (const s of ["v2.wc.a", "v2.wc.a.b", "v2.wc", "v2.other.a", "v2.wc.b"]) nc.publish(s);
  await nc.flush();
  await sleep(50);
  assert.deepEqual(star, ["v2.wc.a", "v2.wc.b"]);
  assert.deepEqual(gt.filter((s) => !s.startsWith("mid:")), ["v2.wc.a", "v2.wc.a.b", "v2.wc.b"]);
  assert.deepEqual(gt.filter((s) => s.startsWith("mid:")), ["mid:v2.wc.a", "mid:v2.other.a"]);
});

test("queue group: each message to exactly one member, all delivered", async () => {
  const N = 300;
  const members = [];
  for (let i = 0; i < 3; i++) {
    const nc = await open();
    const seen = [];
    nc.subscribe("v2.q", { queue: "workers", callback: (_e, m) => seen.push(sc.decode(m.data)) });
    await nc.flush();
    members.push(seen);
  }
  const plain = [];
  const pc = await open();
  pc.subscribe("v2.q", { callback: (_e, m) => plain.push(sc.decode(m.data)) });
  await pc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v2.q", sc.encode(String(i)));
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
  nc.subscribe("v2.svc", { callback: (_e, m) => m.respond(sc.encode("echo:" + sc.decode(m.data))) });
  await nc.flush();
  const req = await open();
  const r = await req.request("v2.svc", sc.encode("ping"), { timeout: 2000 });
  assert.equal(sc.decode(r.data), "echo:ping");
  /* many concurrent requests over the shared response subscription */
  const rs = await Promise.all(
    Array.from({ length: 50 }, (_, i) => req.request("v2.svc", sc.encode(`r${i}`), { timeout: 2000 })),
  );
  rs.forEach((m, i) => assert.equal(sc.decode(m.data), `echo:r${i}`));
  /* old-style request with its own inbox */
  const r2 = await req.request("v2.svc", sc.encode("solo"), { timeout: 2000, noMux: true });
  assert.equal(sc.decode(r2.data), "echo:solo");
});

test("headers: set on publish, read on receipt, multi-valued", async () => {
  const nc = await open();
  const sub = nc.subscribe("v2.hdr");
  await nc.flush();
  const h = headers();
  h.set("X-Single", "one");
  h.append("X-Multi", "a");
  h.append("X-Multi", "b");
  nc.publish("v2.hdr", sc.encode("with headers"), { headers: h });
  nc.publish("v2.hdr", Uint8Array.of(), { headers: h }); /* headers and an empty body */
  const [m, e] = await take(sub, 2);
  assert.equal(sc.decode(m.data), "with headers");
  assert.ok(m.headers, "message has headers");
  assert.equal(m.headers.get("X-Single"), "one");
  assert.deepEqual(m.headers.values("X-Multi"), ["a", "b"]);
  assert.equal(e.data.length, 0);
  assert.deepEqual(e.headers.values("X-Multi"), ["a", "b"]);
  /* headers also travel with a request and its reply */
  nc.subscribe("v2.hdr.svc", {
    callback: (_e, q) => {
      const rh = headers();
      rh.set("X-Echo", q.headers?.get("X-Single") ?? "missing");
      q.respond(sc.encode("ok"), { headers: rh });
    },
  });
  const r = await nc.request("v2.hdr.svc", sc.encode("q"), { headers: h, timeout: 2000 });
  assert.equal(r.headers.get("X-Echo"), "one");
});

test("no responders fails fast with 503, not a timeout", async () => {
  const nc = await open();
  const t0 = Date.now();
  await assert.rejects(nc.request("v2.nobody", sc.encode("x"), { timeout: 5000 }), (err) => {
    assert.equal(err.code, ErrorCode.NoResponders);
    assert.equal(err.code, "503");
    return true;
  });
  assert.ok(Date.now() - t0 < 2000, `no-responders took ${Date.now() - t0} ms`);
  /* the noMux path reports it the same way */
  await assert.rejects(nc.request("v2.nobody", sc.encode("x"), { timeout: 5000, noMux: true }), (err) => err.code === "503");
});

test("flush: a round trip makes earlier SUB and PUB visible", async () => {
  const sub = await open();
  const pub = await open();
  const got = [];
  sub.subscribe("v2.flush", { callback: (_e, m) => got.push(sc.decode(m.data)) });
  await sub.flush(); /* the server has the SUB now */
  pub.publish("v2.flush", sc.encode("x"));
  await pub.flush(); /* the server has routed the PUB now */
  await sub.flush(); /* and the subscriber has read what was sent before the PONG */
  assert.deepEqual(got, ["x"]);
  const rtt = await pub.rtt();
  assert.ok(rtt >= 0);
});

test("drain delivers in-flight messages, then closes", async () => {
  const N = 50;
  const nc = await open();
  const sub = nc.subscribe("v2.drain");
  let processed = 0;
  const loop = (async () => {
    for await (const _m of sub) {
      await sleep(5); /* a slow consumer: messages pile up client-side */
      processed++;
    }
  })();
  await nc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v2.drain", sc.encode(String(i)));
  await pub.flush();
  await sleep(20);
  assert.ok(processed < N, "some messages were still in flight when drain started");
  await nc.drain();
  await loop;
  assert.equal(processed, N);
  assert.ok(nc.isClosed());
  /* a subscription drain on its own */
  const nc2 = await open();
  const s2 = nc2.subscribe("v2.drain2");
  let n2 = 0;
  const loop2 = (async () => {
    for await (const _m of s2) {
      await sleep(1);
      n2++;
    }
  })();
  await nc2.flush();
  for (let i = 0; i < N; i++) pub.publish("v2.drain2", sc.encode(String(i)));
  await pub.flush();
  await s2.drain();
  await loop2;
  assert.equal(n2, N);
  assert.ok(!nc2.isClosed());
});

test("auto-unsubscribe after max messages", async () => {
  const nc = await open();
  const sub = nc.subscribe("v2.max", { max: 3 });
  const late = nc.subscribe("v2.max");
  late.unsubscribe(2); /* the same, set after subscribing */
  await nc.flush();
  for (let i = 0; i < 6; i++) nc.publish("v2.max", sc.encode(String(i)));
  await nc.flush();
  const got = [];
  for await (const m of sub) got.push(sc.decode(m.data)); /* ends by itself after 3 */
  const got2 = [];
  for await (const m of late) got2.push(sc.decode(m.data));
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
  const sub = nc.subscribe("v2.big", { max: 1 });
  await nc.flush();
  const pub = await open();
  pub.publish("v2.big", data);
  const [m] = await take(sub, 1, 5000);
  assert.equal(m.data.length, size);
  assert.ok(Buffer.from(m.data).equals(Buffer.from(data)), "payload bytes intact");
});

test("100k small messages, all received in order", async () => {
  const N = 100000;
  const nc = await open();
  let n = 0;
  let outOfOrder = 0;
  nc.subscribe("v2.many", {
    callback: (_e, m) => {
      if (Number(sc.decode(m.data)) !== n) outOfOrder++;
      n++;
    },
  });
  await nc.flush();
  const pub = await open();
  for (let i = 0; i < N; i++) pub.publish("v2.many", sc.encode(String(i)));
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
    const sub = nc.subscribe("v2.re");
    const it = sub[Symbol.asyncIterator]();
    await nc.flush();
    nc.publish("v2.re", sc.encode("before"));
    assert.equal(sc.decode((await it.next()).value.data), "before");

    await own.restart();
    await waitFor(() => events.includes(Events.Reconnect), 5000, "reconnect event");
    assert.ok(events.includes(Events.Disconnect));
    nc.publish("v2.re", sc.encode("after"));
    const next = await withTimeout(it.next(), 3000, "a message after the reconnect");
    assert.equal(sc.decode(next.value.data), "after");
    /* request/reply works again too (the response subscription is restored) */
    nc.subscribe("v2.re.svc", { callback: (_e, m) => m.respond(jc.encode({ ok: true })) });
    const r = await nc.request("v2.re.svc", Uint8Array.of(), { timeout: 2000 });
    assert.deepEqual(jc.decode(r.data), { ok: true });
  } finally {
    await nc?.close();
    await own.stop();
  }
});

// Interop: the nats.js (v2) quick-start program, verbatim except for its port, run as
// a CommonJS child process, plus its request/reply variant (a math.add service and a
// requester). The programs say 'localhost'; our server listens on 127.0.0.1 only.
// That works because nats.js v2 first asks DNS (dns.resolve4/6, which ignores
// /etc/hosts) and, when DNS has no answer, passes 'localhost' to net.connect, whose
// getaddrinfo lookup with Node 20's autoSelectFamily tries every address (::1 and
// 127.0.0.1). If DNS does answer, each address becomes its own server entry and a
// refused ::1 moves on to 127.0.0.1 at once. So nothing is changed for 'localhost'.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startServer, withTimeout } from "./server.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
/* the programs live in a scratch dir: require('nats') finds our node_modules via NODE_PATH */
const childEnv = { ...process.env, NODE_PATH: path.join(here, "node_modules") };

const QUICKSTART = `const { connect, StringCodec } = require('nats')
const sc = StringCodec()
async function main() {
  const nc = await connect({ servers: 'localhost:4222' })
  const sub = nc.subscribe('hello')
  ;(async () => { for await (const msg of sub) console.log(\`Received: \${sc.decode(msg.data)}\`) })()
  nc.publish('hello', sc.encode('world'))
  const reply = await nc.request('service', sc.encode('request'), { timeout: 1000 })
  console.log(\`Reply: \${sc.decode(reply.data)}\`)
  await nc.drain()
}
main()
`;

const SERVICE = `const { connect, JSONCodec, StringCodec } = require('nats')
const jc = JSONCodec()
const sc = StringCodec()
async function main() {
  const nc = await connect({ servers: 'localhost:4222' })
  const sub = nc.subscribe('math.add', { max: 1 })
  await nc.flush()
  console.log('ready')
  for await (const msg of sub) {
    console.log(\`request: \${sc.decode(msg.data)}\`)
    const { a, b } = jc.decode(msg.data)
    msg.respond(jc.encode({ result: a + b }))
  }
  await nc.drain()
}
main()
`;

const REQUESTER = `const assert = require('node:assert')
const { connect, JSONCodec } = require('nats')
const jc = JSONCodec()
async function main() {
  const nc = await connect({ servers: 'localhost:4222' })
  const reply = await nc.request('math.add', jc.encode({ a: 1, b: 2 }), { timeout: 1000 })
  const { result } = jc.decode(reply.data)
  assert.strictEqual(result, 3)
  console.log(\`Result: \${result}\`)
  await nc.drain()
}
main()
`;

let srv;
let dir;
const children = new Set();

before(async () => {
  srv = await startServer();
  dir = mkdtempSync(path.join(os.tmpdir(), "natrium-quickstart-"));
});

after(async () => {
  for (const c of children) c.kill("SIGKILL");
  await srv?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// Writes a program with its port replaced, as a CommonJS .js file.
function writeProgram(name, source) {
  const code = source.replace("'localhost:4222'", `'localhost:${srv.port}'`);
  assert.notEqual(code, source, "port placeholder replaced");
  const file = path.join(dir, name);
  writeFileSync(file, code);
  return file;
}

// Runs `node file`; resolves { code, signal, stdout, stderr, ms } (SIGKILL after limitMs).
function run(file, limitMs, onStdout) {
  const t0 = Date.now();
  const child = spawn(process.execPath, [file], { env: childEnv, cwd: dir });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => {
    stdout += d;
    onStdout?.(stdout);
  });
  child.stderr.on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), limitMs);
  const done = new Promise((resolve) =>
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
  return { child, done };
}

test("quick-start: Received: world, then a no-responders rejection, no hang", async () => {
  const file = writeProgram("quickstart.js", QUICKSTART);
  const r = await run(file, 10000).done;
  const info = `exit ${r.code} signal ${r.signal} after ${r.ms} ms\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
  assert.equal(r.signal, null, `killed (hung?): ${info}`);
  assert.match(r.stdout, /^Received: world$/m, info);
  assert.doesNotMatch(r.stdout, /Reply:/, info);
  /* the request's rejection is unhandled: Node prints it and exits 1 */
  assert.match(r.stderr, /503|no responders/i, info);
  assert.doesNotMatch(r.stderr, /TIMEOUT|timed out/i, info);
  assert.equal(r.code, 1, info);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
});

test("quick-start variant: math.add service answers {result: a+b}", async () => {
  const svcFile = writeProgram("service.js", SERVICE);
  const reqFile = writeProgram("requester.js", REQUESTER);
  let ready;
  const readyP = new Promise((resolve) => (ready = resolve));
  const svc = run(svcFile, 10000, (out) => out.includes("ready") && ready());
  await withTimeout(Promise.race([readyP, svc.done]), 5000, "the service to subscribe");
  assert.equal(svc.child.exitCode, null, "service is running");

  const r = await run(reqFile, 10000).done;
  assert.equal(r.code, 0, `requester failed:\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /^Result: 3$/m);

  /* the service answered one request (max: 1), drained and exited by itself */
  const s = await withTimeout(svc.done, 5000, "the service to exit");
  assert.equal(s.code, 0, `service failed:\n${s.stdout}\n${s.stderr}`);
  assert.match(s.stdout, /^request: \{"a":1,"b":2\}$/m);
});

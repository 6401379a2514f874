// Interop: nats.js v2 (`nats`) over TLS, as Node programs configure it:
// `tls: { caFile }` to verify the server, `tls: { caFile, certFile, keyFile }` for mutual
// TLS, and a client without a certificate refused by `verify: true`. Certificates are
// made at test time with the openssl tool into a scratch directory.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { connect, StringCodec } from "nats";
import { startServer } from "./server.mjs";

let dir;
const sc = StringCodec();
const servers = [];

function sh(cmd) {
  execSync(cmd, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "natrium-tls-"));
  writeFileSync(path.join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  writeFileSync(path.join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
  sh("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca-key.pem -out ca.pem -days 30 -subj '/CN=test CA'");
  sh("openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj '/CN=localhost'");
  sh("openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out server.pem -days 30 -extfile server.ext");
  sh("openssl req -newkey rsa:2048 -nodes -keyout client-key.pem -out client.csr -subj '/CN=alice'");
  sh("openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -out client.pem -days 30 -extfile client.ext");
});

after(async () => {
  for (const s of servers) await s.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function tlsServer(extra) {
  const conf = path.join(dir, `s${servers.length}.conf`);
  writeFileSync(
    conf,
    `tls {\n cert_file: "${dir}/server.pem"\n key_file: "${dir}/server-key.pem"\n ca_file: "${dir}/ca.pem"\n ${extra}\n}\n`,
  );
  const srv = await startServer(["-c", conf]);
  servers.push(srv);
  return srv;
}

async function echo(nc, subject, text) {
  const sub = nc.subscribe(subject, { max: 1 });
  await nc.flush();
  nc.publish(subject, sc.encode(text));
  for await (const m of sub) return sc.decode(m.data);
  return null;
}

test("tls: server verified with caFile", async () => {
  const srv = await tlsServer("");
  const nc = await connect({ servers: srv.hostport, tls: { caFile: path.join(dir, "ca.pem") } });
  assert.equal(nc.info.tls_required, true);
  assert.equal(await echo(nc, "tls.a", "hello over tls"), "hello over tls");
  const big = "x".repeat(512 * 1024);
  assert.equal(await echo(nc, "tls.big", big), big);
  await nc.drain();
});

test("tls: mutual TLS with certFile and keyFile; no certificate is refused", async () => {
  const srv = await tlsServer("verify: true");
  const nc = await connect({
    servers: srv.hostport,
    tls: {
      caFile: path.join(dir, "ca.pem"),
      certFile: path.join(dir, "client.pem"),
      keyFile: path.join(dir, "client-key.pem"),
    },
  });
  assert.equal(nc.info.tls_verify, true);
  assert.equal(await echo(nc, "mtls", "both sides verified"), "both sides verified");
  await nc.drain();

  await assert.rejects(
    (async () => {
      const bad = await connect({
        servers: srv.hostport,
        tls: { caFile: path.join(dir, "ca.pem") },
        reconnect: false,
        timeout: 3000,
      });
      try {
        await bad.flush();
      } finally {
        await bad.close();
      }
    })(),
  );
});

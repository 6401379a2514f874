// Test helper for the nats.js interop tests: starts the server binary named by
// $NATS_SERVER_BIN on a free 127.0.0.1 port, waits until the port accepts, and
// stops it. A server can be stopped and started again on the SAME port (reconnect
// tests). Every server still running when the process exits is killed with SIGKILL,
// so a failing or interrupted test leaves nothing behind.
import { spawn } from "node:child_process";
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

const live = new Set();
process.on("exit", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
});
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => process.exit(128 + (sig === "SIGINT" ? 2 : 15)));
}

export function serverBin() {
  const bin = process.env.NATS_SERVER_BIN;
  if (!bin) throw new Error("NATS_SERVER_BIN is not set (path of the nats-server binary to test)");
  return bin;
}

// A free TCP port on 127.0.0.1: bind to port 0, read it back, close.
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function portAccepts(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

class TestServer {
  constructor(port, extraArgs) {
    this.port = port;
    this.extraArgs = extraArgs;
    this.child = null;
    this.log = "";
  }

  get url() {
    return `nats://127.0.0.1:${this.port}`;
  }

  get hostport() {
    return `127.0.0.1:${this.port}`;
  }

  // Starts the binary on this.port; resolves once the port accepts (5 s max).
  async start() {
    const args = ["-a", "127.0.0.1", "-p", String(this.port), ...this.extraArgs];
    const child = spawn(serverBin(), args, { stdio: ["ignore", "pipe", "pipe"] });
    this.child = child;
    live.add(child);
    let exited = null;
    const keep = (d) => {
      this.log = (this.log + d.toString()).slice(-16384);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (e) => {
      exited = `spawn error: ${e.message}`;
    });
    child.once("exit", (code, sig) => {
      live.delete(child);
      exited = `exited (code ${code}, signal ${sig})`;
    });
    for (let waited = 0; waited < 5000; waited += 20) {
      if (exited) break;
      if (await portAccepts(this.port)) return this;
      await sleep(20);
    }
    await this.stop();
    throw new Error(
      `server ${serverBin()} ${args.join(" ")} did not start: ${exited ?? "port never accepted"}\n${this.log}`,
    );
  }

  // SIGTERM, then SIGKILL after 3 s; resolves when the process is gone.
  async stop() {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await gone;
    clearTimeout(timer);
    // A sanitizer build reports at exit: any report fails the test that stopped the server.
    if (/ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer/.test(this.log)) {
      throw new Error(`sanitizer report in the server's output:\n${this.log}`);
    }
  }

  // Stops the server and starts a new one on the same port.
  async restart() {
    await this.stop();
    return this.start();
  }
}

// Starts a server on a free port (retrying a few times if the port was taken in between).
export async function startServer(extraArgs = []) {
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const srv = new TestServer(await freePort(), extraArgs);
    try {
      return await srv.start();
    } catch (e) {
      lastErr = e;
    }
  }
  throw lastErr;
}

// Resolves when predicate() is true, polling every 10 ms; rejects after ms.
export async function waitFor(predicate, ms, what = "condition") {
  const end = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(10);
  }
}

// Resolves like promise, or rejects after ms; the timer never outlives the race.
export async function withTimeout(promise, ms, what = "operation") {
  let timer;
  const expiry = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, expiry]);
  } finally {
    clearTimeout(timer);
  }
}

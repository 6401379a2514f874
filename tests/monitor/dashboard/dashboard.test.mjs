// The live dashboard in a real browser: Debian's chromium, headless, driven by puppeteer-core.
// Starts $NATS_SERVER_BIN with -m, runs a publisher and a subscriber over raw TCP, loads
// /dashboard and checks that it renders live data (the message counters and rates move, the
// top-connections table fills, nothing is fetched from outside the server, no script errors).
// Saves a screenshot to $NS_ARTIFACTS_DIR/dashboard.png and prints its path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const serverBin = process.env.NATS_SERVER_BIN;
const artifacts = process.env.NS_ARTIFACTS_DIR || path.resolve('artifacts');
const chromium = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

function waitPort(port, ms) {
  const end = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const again = () => {
      const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(); });
      c.on('error', () => (Date.now() > end ? reject(new Error(`port ${port} closed`)) : setTimeout(again, 50)));
    };
    again();
  });
}

function natsClient(port, name) {
  const c = net.connect(port, '127.0.0.1');
  c.on('data', () => {});
  c.on('error', () => {});
  c.write(`CONNECT {"verbose":false,"name":"${name}","lang":"node","version":"1"}\r\n`);
  return c;
}

test('dashboard renders live data in headless chromium', async (t) => {
  assert.ok(serverBin, 'NATS_SERVER_BIN must name the server binary');
  if (!fs.existsSync(chromium)) {
    t.skip(`no chromium at ${chromium} (scripts/deps.sh test installs it)`);
    return;
  }
  const port = await freePort();
  const mport = await freePort();
  const srv = spawn(serverBin, ['-a', '127.0.0.1', '-p', String(port), '-m', String(mport)], { stdio: 'ignore' });
  t.after(() => srv.kill('SIGTERM'));
  await waitPort(port, 5000);
  await waitPort(mport, 5000);

  const sub = natsClient(port, 'dash-sub');
  sub.write('SUB load.> 1\r\n');
  const pub = natsClient(port, 'dash-pub');
  const payload = 'x'.repeat(128);
  const timer = setInterval(() => {
    let batch = '';
    for (let i = 0; i < 50; i++) batch += `PUB load.a ${payload.length}\r\n${payload}\r\n`;
    pub.write(batch);
  }, 20);
  t.after(() => { clearInterval(timer); pub.destroy(); sub.destroy(); });

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.setViewport({ width: 1500, height: 900 });
  const errors = [];
  const foreign = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => { if (!r.url().startsWith(`http://127.0.0.1:${mport}/`)) foreign.push(r.url()); });

  await page.goto(`http://127.0.0.1:${mport}/dashboard`, { waitUntil: 'load' });
  const text = (id) => page.$eval(`#${id}`, (e) => e.textContent);
  await page.waitForFunction(() => Number(document.getElementById('updates').textContent) >= 2, { timeout: 15000 });
  const first = await text('in-msgs');
  await page.waitForFunction(() => Number(document.getElementById('updates').textContent) >= 4, { timeout: 15000 });
  const second = await text('in-msgs');
  assert.notEqual(first, second, 'the total message count moves with traffic');
  assert.equal(await text('status'), 'live');
  assert.equal(await text('connections'), '2');
  const rate = await text('rate-in-msgs');
  assert.match(rate, /^[0-9.]+[KMG]?$/);
  assert.notEqual(rate, '0', 'the in-message rate shows the traffic');
  const rows = await page.$$eval('#top tbody tr', (r) => r.map((x) => x.textContent));
  assert.equal(rows.length, 2);
  assert.ok(rows.some((r) => r.includes('dash-sub')));
  await page.waitForFunction(() => Number(document.getElementById('updates').textContent) >= 6, { timeout: 15000 });
  const drawn = await page.$eval('#chart-msgs', (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
    return ink;
  });
  assert.ok(drawn > 2000, `the rate chart is drawn (${drawn} pixels)`);
  assert.deepEqual(foreign, [], 'no request leaves the server');
  assert.deepEqual(errors, [], 'no script errors');

  fs.mkdirSync(artifacts, { recursive: true });
  const shot = path.join(artifacts, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  console.log(`dashboard screenshot: ${shot}`);
});

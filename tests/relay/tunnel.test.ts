import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type AddressInfo } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TUNNEL_CLOSE } from '../../relay/server/tunnel/tunnel.ts';
import { login, startFakeRelay, type TestRelay } from './helpers.ts';

/** A self-signed certificate for 127.0.0.1 / localhost (openssl is on the test machines). */
function selfSigned(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tg-tls-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
  return { key: readFileSync(join(dir, 'k.pem'), 'utf8'), cert: readFileSync(join(dir, 'c.pem'), 'utf8') };
}

/** Echoes every byte back, uppercased, so a test can tell the broker's reply from its own bytes. */
const upper = (d: Buffer) => Buffer.from(d.map((b) => (b >= 97 && b <= 122 ? b - 32 : b)));
const echo = (s: import('node:net').Socket) => s.on('data', (d: Buffer) => s.write(upper(d)));

function open(url: string, bearer: string) {
  const ws = new WebSocket(url, { headers: { authorization: `Bearer ${bearer}` } });
  const chunks: Buffer[] = [];
  ws.on('message', (d: Buffer) => chunks.push(d));
  const closed = new Promise<{ code: number; reason: string }>((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })));
  const opened = new Promise<void>((r, j) => {
    ws.once('open', () => r());
    ws.once('error', j);
  });
  return { ws, chunks, closed, opened, text: () => Buffer.concat(chunks).toString('latin1') };
}

describe('the broker socket tunnel', () => {
  let tcp: Server;
  let tls: TlsServer;
  let relay: TestRelay;
  let bearer: string;
  let tcpPort: number;
  let tlsPort: number;

  beforeAll(async () => {
    tcp = createServer(echo);
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    tcpPort = (tcp.address() as AddressInfo).port;
    const cert = selfSigned();
    tls = createTlsServer({ key: cert.key, cert: cert.cert }, echo);
    await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
    tlsPort = (tls.address() as AddressInfo).port;
    relay = await startFakeRelay({ env: { TG_TUNNEL_ALLOW: `127.0.0.1:${tcpPort},localhost:${tlsPort}` }, tunnelTls: { ca: cert.cert } });
    bearer = await login(relay);
  });
  afterAll(async () => {
    await relay.close();
    tcp.close();
    tls.close();
  });

  const ws = (q: string) => `${relay.url.replace('http', 'ws')}/api/tunnel?${q}`;

  it('pipes bytes both ways to an allowed TCP endpoint, including bytes sent before the broker connected', async () => {
    const t = open(ws(`host=127.0.0.1&port=${tcpPort}`), bearer);
    await t.opened;
    t.ws.send(Buffer.from('hello '));
    t.ws.send(Buffer.from([0, 1, 2, 255]));
    t.ws.send(Buffer.from('world'));
    const want = `HELLO ${Buffer.from([0, 1, 2, 255]).toString('latin1')}WORLD`;
    for (let i = 0; i < 200 && t.text() !== want; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.text()).toBe(want);
    t.ws.close();
  });

  it('carries a large transfer intact', async () => {
    const t = open(ws(`host=127.0.0.1&port=${tcpPort}`), bearer);
    await t.opened;
    const big = Buffer.alloc(3 * 1024 * 1024, 'abcdefgh');
    for (let i = 0; i < big.length; i += 64 * 1024) t.ws.send(big.subarray(i, i + 64 * 1024));
    for (let i = 0; i < 500 && Buffer.concat(t.chunks).length < big.length; i++) await new Promise((r) => setTimeout(r, 10));
    expect(Buffer.concat(t.chunks).equals(upper(big))).toBe(true);
    t.ws.close();
  });

  it('speaks TLS to the broker with tls=1 (verifying its certificate)', async () => {
    const t = open(ws(`host=localhost&port=${tlsPort}&tls=1`), bearer);
    await t.opened;
    t.ws.send(Buffer.from('over tls'));
    for (let i = 0; i < 200 && t.text() !== 'OVER TLS'; i++) await new Promise((r) => setTimeout(r, 10));
    expect(t.text()).toBe('OVER TLS');
    t.ws.close();
  });

  it('refuses a host that is not allow-listed, with a close reason that says so', async () => {
    for (const q of ['host=10.0.0.1&port=22', `host=127.0.0.1&port=${tlsPort}`, 'host=demo.ctraderapi.com&port=5035&tls=1']) {
      const t = open(ws(q), bearer);
      const c = await t.closed;
      expect(c.code, q).toBe(TUNNEL_CLOSE.refused);
      expect(c.reason).toMatch(/not on the allow-list/);
    }
    const bad = open(ws('host=127.0.0.1&port=abc'), bearer);
    const c = await bad.closed;
    expect(c.code).toBe(TUNNEL_CLOSE.badRequest);
    expect(c.reason).toContain('port');
  });

  it('closes with a clear reason when the allowed broker is unreachable', async () => {
    const spare = createServer();
    await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
    const port = (spare.address() as AddressInfo).port;
    await new Promise<void>((r) => spare.close(() => r()));
    const r2 = await startFakeRelay({ env: { TG_TUNNEL_ALLOW: `127.0.0.1:${port}` } });
    try {
      const t = open(`${r2.url.replace('http', 'ws')}/api/tunnel?host=127.0.0.1&port=${port}`, await login(r2));
      const c = await t.closed;
      expect(c.code).toBe(TUNNEL_CLOSE.unreachable);
      expect(c.reason).toMatch(/cannot reach 127\.0\.0\.1:\d+: ECONNREFUSED/);
    } finally {
      await r2.close();
    }
  });
});

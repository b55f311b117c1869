import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { FrameSplitter, lengthPrefixed } from '../../../workers/brokers/ctrader/framing.ts';
import type { FakeCTrader } from './fake-ctrader.ts';
import { RunBatch } from '../../../relay/ops/socket-batch.ts';

/** A self-signed certificate for 127.0.0.1 and localhost, made with the openssl CLI at test time. */
export function selfSignedCert(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tg-ctrader-cert-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Listening {
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  /**
   * What one synchronous run sends leaves in one write (relay/ops/socket-batch.ts), as the relay's own
   * transport does. The latency bench needs it: over TLS each write completes a loop turn later and a
   * write made meanwhile waits in memory, so the second to fifth spots of a round waited on this thread
   * while it handled the first symbol's order (1-5 ms), counted as the client's latency.
   */
  writePerRun?: boolean;
}

/** Length-prefixed framing over a socket, as cTrader's port 5035 speaks it. */
function serveSocket(fake: FakeCTrader, socket: Socket, o: ServeOptions = {}): void {
  socket.setNoDelay(true);
  const splitter = new FrameSplitter();
  const batch = o.writePerRun ? new RunBatch() : null;
  const conn = fake.attach(
    (bytes) => {
      if (socket.destroyed) return;
      if (batch) batch.add(socket, lengthPrefixed(bytes));
      else socket.write(lengthPrefixed(bytes));
    },
    () => {
      batch?.flush();
      socket.destroy();
    },
  );
  socket.on('data', (chunk) => {
    let frames: Uint8Array[];
    try {
      frames = splitter.push(chunk);
    } catch {
      socket.destroy();
      return;
    }
    for (const f of frames) conn.receive(f);
  });
  socket.on('close', () => conn.closed());
  socket.on('error', () => {});
}

function listening(server: NetServer | TlsServer, sockets: Set<Socket>): Promise<Listening> {
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as { port: number }).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

export function listenTls(fake: FakeCTrader, cert: { key: string; cert: string }, o: ServeOptions = {}): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createTlsServer({ key: cert.key, cert: cert.cert }, (s) => serveSocket(fake, s, o));
  return listening(server, sockets);
}

export function listenTcp(fake: FakeCTrader): Promise<Listening> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => serveSocket(fake, s));
  return listening(server, sockets);
}

/** WebSocket: one ProtoMessage per binary frame, no prefix. */
export function listenWs(fake: FakeCTrader): Promise<Listening> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  wss.on('connection', (ws) => {
    const conn = fake.attach(
      (bytes) => ws.readyState === ws.OPEN && ws.send(bytes),
      () => ws.terminate(),
    );
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) conn.receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    ws.on('close', () => conn.closed());
    ws.on('error', () => {});
  });
  return new Promise((resolve) =>
    wss.on('listening', () =>
      resolve({
        port: (wss.address() as { port: number }).port,
        close: () =>
          new Promise<void>((r) => {
            for (const c of wss.clients) c.terminate();
            wss.close(() => r());
          }),
      }),
    ),
  );
}

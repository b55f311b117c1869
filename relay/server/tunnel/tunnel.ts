import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { RelayDeps, RelayEnv } from '../context.ts';

/** Close codes a client can act on (4000-4999 are the application's). */
export const TUNNEL_CLOSE = { refused: 4403, badRequest: 4400, unreachable: 4502, brokerClosed: 1000 } as const;

/**
 * WS /api/tunnel?host=H&port=P&tls=1: bytes both ways between the socket and a
 * broker's TCP or TLS endpoint, so a browser (which cannot open raw TCP) can
 * speak cTrader's protobuf protocol through the relay. Only host:port pairs on
 * the allow-list are reached; the relay must not become an open proxy into
 * its own network. Slow readers on either side pause the other.
 */
export function tunnelRoute(app: Hono<RelayEnv>, d: RelayDeps, upgrade: UpgradeWebSocket<WebSocket>): void {
  const opened = d.metrics.counter('tradeguard_tunnel_connections_total', 'Tunnel connections by outcome', ['outcome']);
  const bytes = d.metrics.counter('tradeguard_tunnel_bytes_total', 'Bytes through the tunnel by direction', ['direction']);
  let open = 0;
  d.metrics.gauge('tradeguard_tunnel_open', 'Tunnels open now', () => open);

  app.get(
    '/api/tunnel',
    upgrade((c) => {
      const host = (c.req.query('host') ?? '').toLowerCase();
      const portRaw = c.req.query('port') ?? '';
      const tls = c.req.query('tls') === '1';
      const target = `${host}:${portRaw}`;
      const problem = !host ? 'host: is required' : !/^\d{1,5}$/.test(portRaw) ? 'port: must be a number' : !d.config.tunnelAllow.includes(target) ? `${target} is not on the allow-list (TG_TUNNEL_ALLOW)` : null;
      let sock: Socket | null = null;
      let toBroker: ((b: Buffer) => void) | null = null;
      return {
        onOpen(_e, ws) {
          const raw = ws.raw as WebSocket;
          if (problem) {
            opened({ outcome: 'refused' });
            d.log.warn('tunnel refused', { target });
            raw.close(problem.includes('allow-list') ? TUNNEL_CLOSE.refused : TUNNEL_CLOSE.badRequest, `tunnel refused: ${problem}`.slice(0, 120));
            return;
          }
          const port = Number(portRaw);
          const queued: Buffer[] = [];
          let connected = false;
          const s = tls ? tlsConnect({ host, port, servername: host, ...(d.tunnelTls?.ca ? { ca: d.tunnelTls.ca } : {}) }) : tcpConnect({ host, port });
          sock = s;
          s.setNoDelay(true);
          s.once(tls ? 'secureConnect' : 'connect', () => {
            connected = true;
            open++;
            opened({ outcome: 'connected' });
            d.log.info('tunnel open', { target, tls });
            for (const b of queued) s.write(b);
            queued.length = 0;
          });
          s.on('data', (chunk: Buffer) => {
            bytes({ direction: 'from-broker' }, chunk.length);
            raw.send(chunk, { binary: true });
            if (raw.bufferedAmount > 4 * 1024 * 1024) {
              s.pause();
              const wait = setInterval(() => {
                if (raw.bufferedAmount < 1024 * 1024 || raw.readyState !== raw.OPEN) {
                  clearInterval(wait);
                  s.resume();
                }
              }, 20);
            }
          });
          s.on('drain', () => raw.resume());
          s.on('error', (e) => {
            if (!connected) opened({ outcome: 'unreachable' });
            d.log.warn('tunnel error', { target, error: (e as NodeJS.ErrnoException).code ?? e.message });
            if (raw.readyState === raw.OPEN) raw.close(connected ? 1011 : TUNNEL_CLOSE.unreachable, `${connected ? 'broker connection failed' : `cannot reach ${target}`}: ${(e as NodeJS.ErrnoException).code ?? e.message}`.slice(0, 120));
          });
          s.on('close', () => {
            if (connected) open--;
            connected = false;
            if (raw.readyState === raw.OPEN) raw.close(TUNNEL_CLOSE.brokerClosed, 'broker closed the connection');
          });
          toBroker = (b) => {
            bytes({ direction: 'to-broker' }, b.length);
            if (!connected) queued.push(b);
            else if (!s.write(b)) raw.pause();
          };
        },
        onMessage(e) {
          const data = e.data;
          toBroker?.(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data as ArrayBuffer));
        },
        onClose() {
          sock?.destroy();
        },
      };
    }),
  );
}

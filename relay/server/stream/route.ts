import type { Hono } from 'hono';
import type { UpgradeWebSocket } from 'hono/ws';
import type { WebSocket } from 'ws';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { queryNum } from '../http/validate.ts';

/**
 * WS /api/stream?after=SEQ: the events after SEQ, then live ones (see StreamHub),
 * plus status and lease messages. A JSON ping every `heartbeatMs` keeps proxies
 * from closing an idle socket, and a protocol ping that goes unanswered for two
 * beats ends a connection whose peer vanished without a close.
 */
export function streamRoute(app: Hono<RelayEnv>, d: RelayDeps, upgrade: UpgradeWebSocket<WebSocket>, heartbeatMs: number): void {
  app.get(
    '/api/stream',
    async (c, next) => {
      queryNum(c, 'after', { min: 0, integer: true }); // a bad ?after= is a 400 before the upgrade
      return next();
    },
    upgrade((c) => {
      const after = queryNum(c, 'after', { min: 0, integer: true }) ?? 0;
      let leave: (() => void) | null = null;
      let timer: ReturnType<typeof setInterval> | null = null;
      let closed = false;
      return {
        onOpen(_e, ws) {
          const raw = ws.raw as WebSocket;
          let alive = true;
          raw.on('pong', () => (alive = true));
          timer = setInterval(() => {
            if (!alive) return raw.terminate();
            alive = false;
            raw.ping();
            raw.send(JSON.stringify({ t: 'ping', time: Date.now() }));
          }, heartbeatMs);
          d.hub
            .join({ send: (t) => raw.send(t), buffered: () => raw.bufferedAmount, close: (code, reason) => raw.close(code, reason) }, after)
            .then((l) => {
              if (closed) l();
              else leave = l;
            })
            .catch((e: unknown) => {
              d.log.error('stream catch-up failed', { error: e });
              raw.close(1011, 'could not read stored events');
            });
        },
        onClose() {
          closed = true;
          leave?.();
          if (timer) clearInterval(timer);
        },
      };
    }),
  );
}

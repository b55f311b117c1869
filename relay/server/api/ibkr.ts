import type { Context, Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, jsonBody } from '../http/validate.ts';
import { IbkrError } from '../../../workers/brokers/ibkr/codes.ts';
import { checkIbkr, marketDataTypeName, type IbkrCheckResult, type IbkrTarget } from '../../ibkr/check.ts';
import { contractView } from '../../ibkr/contract-view.ts';
import { ibkrHealthOf } from '../../ibkr/live-status.ts';
import { parseSymbolSpec } from '../../../workers/brokers/ibkr/instruments.ts';
import { checkIbkrSettings, IBKR_MARKET_DATA_TYPES, IBKR_SETTINGS_KEY, LIVE_BROKER_SETTING, LIVE_BROKERS, readIbkrSettings, readLiveBroker, type IbkrMarketDataCode, type FieldProblem, type LiveBroker } from '../../ibkr/settings-store.ts';
import { ibkrHostProblem } from '../../config/ibkr-settings.ts';

/** The connection state Settings shows: only what TWS said, on the live workspace's connection or on the last check. */
export interface IbkrStatusView {
  /** Where it was verified; null: nothing was (no check yet, not trading at IB). */
  source: 'live workspace' | 'last check' | null;
  /** ready, connecting, reconnecting, stopped... (live); checked or failed (last check); 'not checked'. */
  state: string;
  serverVersion: number | null;
  accounts: string[];
  lastMessageAt: number | null;
  lastError: string | null;
  /** The market data type TWS was asked for and confirmed reading (1 live, 3 delayed, 4 delayed-frozen). */
  marketDataType: number | null;
  /** The last check's target, when that is the source. */
  target?: IbkrTarget;
}

type LastCheck = { at: number; target: IbkrTarget; result: IbkrCheckResult | null; error: string | null };

/**
 * Settings > Interactive Brokers: the stored settings, the live workspace's
 * broker choice, a connection check and contract lookups for the symbol
 * picker. IB has no password over the API; nothing secret is kept or sent.
 */
export function ibkrRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const now = d.now ?? Date.now;
  let last: LastCheck | null = null;
  // One connection at a time: two checks with one client id would refuse each other (326).
  let queue: Promise<unknown> = Promise.resolve();
  const oneAtATime = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = queue.then(fn, fn);
    queue = run.catch(() => {});
    return run;
  };

  app.get('/api/ibkr', async (c) => {
    const settings = await readIbkrSettings(d.store, d.config.ibkr);
    return c.json({ settings, broker: await readLiveBroker(d.store), workspace: d.config.workspace, defaults: d.config.ibkr, tunnelAllowed: d.config.tunnelAllow.includes(`${settings.host.toLowerCase()}:${settings.port}`), status: statusView(d, last) });
  });

  // PUT /api/ibkr/settings {settings: {...}, broker?: 'ctrader' | 'ibkr'}
  app.put('/api/ibkr/settings', async (c) => {
    const body = await jsonBody(c);
    const { settings, problems } = checkIbkrSettings(body.settings);
    if (body.broker !== undefined && !LIVE_BROKERS.includes(body.broker as LiveBroker)) problems.push({ field: 'broker', message: `must be ctrader or ibkr, got ${JSON.stringify(body.broker)?.slice(0, 40)}` });
    if (!settings || problems.length) return refused(c, problems);
    const before = { settings: await readIbkrSettings(d.store, d.config.ibkr), broker: await readLiveBroker(d.store) };
    const broker = (body.broker as LiveBroker | undefined) ?? before.broker;
    await d.store.settings.put(IBKR_SETTINGS_KEY, settings);
    await d.store.settings.put(LIVE_BROKER_SETTING, broker);
    const changed = broker !== before.broker || (broker === 'ibkr' && JSON.stringify(settings) !== JSON.stringify(before.settings));
    const restart = d.config.workspace === 'live' && changed;
    const message =
      d.config.workspace !== 'live'
        ? `Saved. This relay runs the demo workspace; ${broker === 'ibkr' ? 'Interactive Brokers is used' : 'these are used'} when it starts with TG_WORKSPACE=live.`
        : restart
          ? `Saved. Restart the relay to apply: the live workspace reads these when it starts${broker === 'ibkr' ? ' (it then trades at Interactive Brokers)' : ' (it then trades at cTrader)'}.`
          : 'Saved; nothing the live workspace uses changed.';
    return c.json({ settings, broker, restart, message });
  });

  // POST /api/ibkr/check {host, port, clientId, marketDataType?}
  app.post('/api/ibkr/check', async (c) => {
    const body = await jsonBody(c);
    const target = targetOf(body.host, body.port, body.clientId);
    const code = body.marketDataType ?? 1;
    if (!IBKR_MARKET_DATA_TYPES.includes(code as IbkrMarketDataCode)) throw new BadRequest('marketDataType', `must be 1 (live), 3 (delayed) or 4 (delayed-frozen), got ${JSON.stringify(code)?.slice(0, 40)}`);
    const at = now();
    try {
      const result = await oneAtATime(() => checkIbkr({ ...target, marketDataType: marketDataTypeName(code as number) }));
      last = { at, target, result, error: null };
      return c.json({ ok: true, ...result });
    } catch (e) {
      last = { at, target, result: null, error: (e as Error).message };
      return c.json({ ok: false, error: (e as Error).message, ...(e instanceof IbkrError ? { code: e.code } : {}) }, 502);
    }
  });

  // GET /api/ibkr/contract?symbol=GOOG[&host=&port=&clientId=]: the stored connection unless the form's is given.
  app.get('/api/ibkr/contract', async (c) => {
    const spec = parseSymbolSpec(c.req.query('symbol') ?? '');
    if ('problem' in spec) throw new BadRequest('symbol', spec.problem);
    const stored = await readIbkrSettings(d.store, d.config.ibkr);
    const q = (k: string) => c.req.query(k);
    const target = q('host') || q('port') || q('clientId') ? targetOf(q('host') ?? stored.host, Number(q('port') ?? stored.port), Number(q('clientId') ?? stored.clientId)) : stored;
    // The next client id: a running live workspace holds the configured one.
    const lookup = { host: target.host, port: target.port, clientId: target.clientId >= 2147483647 ? 0 : target.clientId + 1 };
    try {
      const r = await oneAtATime(() => checkIbkr({ ...lookup, contracts: [spec.contract] }));
      return c.json({ symbol: (c.req.query('symbol') ?? '').trim().toUpperCase(), clientId: lookup.clientId, contracts: r.contracts[0].map(contractView) });
    } catch (e) {
      const ib = e instanceof IbkrError ? e : null;
      // 200: IB knows no such contract: the symbol's fault, not the connection's.
      return c.json({ error: (e as Error).message, field: ib?.code === 200 ? 'symbol' : 'connection', ...(ib ? { code: ib.code } : {}) }, ib?.code === 200 ? 404 : 502);
    }
  });
}

function targetOf(host: unknown, port: unknown, clientId: unknown): IbkrTarget {
  if (typeof host !== 'string' || !host.trim()) throw new BadRequest('host', 'is required: the machine running TWS or IB Gateway');
  const hostProblem = ibkrHostProblem(host.trim());
  if (hostProblem) throw new BadRequest('host', hostProblem);
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new BadRequest('port', `must be a whole number from 1 to 65535 (7497 TWS paper, 7496 TWS live, 4002 Gateway paper, 4001 Gateway live), got ${JSON.stringify(port)?.slice(0, 40)}`);
  if (typeof clientId !== 'number' || !Number.isInteger(clientId) || clientId < 0 || clientId > 2147483647) throw new BadRequest('clientId', `must be a whole number, 0 or more, got ${JSON.stringify(clientId)?.slice(0, 40)}`);
  return { host: host.trim(), port, clientId };
}

function refused(c: Context<RelayEnv>, problems: FieldProblem[]) {
  const first = problems[0];
  return c.json({ error: `${first.field}: ${first.message}`, field: first.field, problems }, 400);
}

function statusView(d: RelayDeps, last: LastCheck | null): IbkrStatusView {
  const live = ibkrHealthOf(d.host);
  if (live) {
    const h = live();
    return { source: 'live workspace', state: h.state, serverVersion: h.serverVersion ?? null, accounts: [...(h.accounts ?? [])], lastMessageAt: h.lastMessageAt, lastError: h.lastError ?? null, marketDataType: h.marketDataType ?? null };
  }
  if (!last) return { source: null, state: 'not checked', serverVersion: null, accounts: [], lastMessageAt: null, lastError: null, marketDataType: null };
  const r = last.result;
  return {
    source: 'last check',
    state: r ? 'checked' : 'failed',
    serverVersion: r?.serverVersion ?? null,
    accounts: r?.accounts ?? [],
    lastMessageAt: r?.lastMessageAt ?? null,
    lastError: last.error,
    marketDataType: r?.marketDataType.code ?? null,
    target: last.target,
  };
}

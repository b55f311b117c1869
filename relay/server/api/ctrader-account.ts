import type { Context, Hono } from 'hono';
import type { RelayDeps, RelayEnv } from '../context.ts';
import { BadRequest, SYMBOL, jsonBody } from '../http/validate.ts';
import { CTraderAccountError, NOT_CONFIGURED, type CTraderAccountManager } from '../../ctrader/account-manager.ts';

/**
 * Settings > cTrader: status, the accounts the stored token grants, connecting
 * one, and its symbols with their details. The manager never returns a secret;
 * its refusals carry the status code the user's next step depends on.
 */
export function ctraderAccountRoutes(app: Hono<RelayEnv>, d: RelayDeps): void {
  const manager = (): CTraderAccountManager => {
    if (!d.ctrader) throw new CTraderAccountError(NOT_CONFIGURED, 409);
    return d.ctrader;
  };
  const guarded = (fn: (c: Context<RelayEnv>) => Promise<Response>) => async (c: Context<RelayEnv>) => {
    try {
      return await fn(c);
    } catch (e) {
      if (!(e instanceof CTraderAccountError)) throw e;
      return c.json({ error: e.message, ...(e.field ? { field: e.field } : {}) }, e.status);
    }
  };

  app.get('/api/ctrader/status', guarded(async (c) => {
    if (!d.ctrader) return c.json({ configured: false, hasTokens: false, account: null, health: null });
    return c.json(await d.ctrader.status());
  }));

  app.get('/api/ctrader/accounts', guarded(async (c) => c.json({ accounts: await manager().accounts() })));

  // POST /api/ctrader/account {accountId: 44001, live: false}
  app.post('/api/ctrader/account', guarded(async (c) => {
    const body = await jsonBody(c);
    const id = body.accountId;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0) throw new BadRequest('accountId', `must be the numeric cTrader account id (ctidTraderAccountId), got ${JSON.stringify(id)?.slice(0, 40)}`);
    if (typeof body.live !== 'boolean') throw new BadRequest('live', `must be true (live account) or false (demo account), got ${JSON.stringify(body.live)?.slice(0, 40)}`);
    return c.json(await manager().connect(id, body.live));
  }));

  app.get('/api/ctrader/symbols', guarded(async (c) => {
    const m = manager();
    return c.json({ symbols: await m.symbolDetails(), selected: await m.selectedSymbols() });
  }));

  // POST /api/ctrader/symbols {symbols: ['EURUSD', ...]}: the picker's selection.
  app.post('/api/ctrader/symbols', guarded(async (c) => {
    const body = await jsonBody(c);
    const list = body.symbols;
    if (!Array.isArray(list) || list.length > 1000) throw new BadRequest('symbols', 'must be an array of at most 1000 symbol names');
    const bad = list.find((s) => typeof s !== 'string' || !SYMBOL.test(s));
    if (bad !== undefined) throw new BadRequest('symbols', `holds something that is not a symbol name: ${JSON.stringify(bad)?.slice(0, 40)}`);
    return c.json({ selected: await manager().selectSymbols(list as string[]) });
  }));
}

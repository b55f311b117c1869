import type { IbkrContractBook } from '../../workers/brokers/ibkr/ibkr-broker.ts';
import type { IbContract } from '../../workers/brokers/ibkr/contract.ts';
import { KNOWN_INSTRUMENTS, type InstrumentSpec } from '../../workers/market/instrument.ts';
import { CONTRACTS } from './fake-market.ts';

/**
 * A contract book for the broker tests, made from the fake's own contracts
 * (helper B's instruments.ts builds the real one from IB's contract details):
 * GOOG shares, and ES futures whose engine unit is one point of index
 * exposure (a contract is 50 units, the multiplier).
 */
export function fakeContractBook(): IbkrContractBook {
  const goog = CONTRACTS.find((c) => c.symbol === 'GOOG')!;
  const es = CONTRACTS.find((c) => c.symbol === 'ES')!;
  const contracts: Record<string, IbContract & { conId: number }> = {
    GOOG: { conId: goog.conId, symbol: 'GOOG', secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD' },
    ES: { conId: es.conId, symbol: 'ES', secType: 'FUT', exchange: 'CME', currency: 'USD', localSymbol: 'ESZ5' },
  };
  const specs: Record<string, InstrumentSpec> = {
    GOOG: KNOWN_INSTRUMENTS.GOOG,
    ES: { symbol: 'ES', digits: 2, pipSize: 0.25, lotUnits: 50, minVolumeUnits: 50, volumeStepUnits: 50 },
  };
  const must = <T>(table: Record<string, T>, symbol: string): T => {
    const x = table[symbol];
    if (!x) throw new Error(`${symbol} is not resolved at IB: no contract for it`);
    return x;
  };
  return {
    contract: (s) => must(contracts, s),
    instrument: (s) => must(specs, s),
    unitsPerContract: (s) => (s === 'ES' ? 50 : 1),
    symbolOf: (conId) => Object.keys(contracts).find((s) => contracts[s].conId === conId),
  };
}

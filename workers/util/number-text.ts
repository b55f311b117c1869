/**
 * Money, percentages and sizes as plain text: the same in a command reply, an
 * alert on the trader's phone and a terminal. Account money is in USD (the
 * quote currency of every bundled symbol, see workers/market/instrument.ts).
 * Here, below every layer, so commands/ and notify/ (siblings) share one copy.
 */
const money2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const signed2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: 'exceptZero' });
const units = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

export const usd = (x: number) => `${money2.format(x)} USD`;
export const signedUsd = (x: number) => `${signed2.format(x)} USD`;
export const pct = (x: number) => `${money2.format(x)} %`;
export const signedPct = (x: number) => `${signed2.format(x)} %`;
export const volume = (x: number) => units.format(x);

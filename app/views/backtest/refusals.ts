/**
 * The metrics rows for the entries the risk rules refused in a backtest
 * (metrics.refusals, by rule name), most refusals first: what each limit did.
 * Without limits applied the one row says so, so "none" is not read as
 * "the limits never bit".
 */
export function refusalRows(refusals: Readonly<Record<string, number>>, limitsApplied: boolean): [key: string, label: string, value: string][] {
  const rules = Object.entries(refusals).filter(([, n]) => n > 0);
  if (rules.length === 0) return [['refusals', 'Entries refused by risk rules', limitsApplied ? 'none' : 'none (risk limits off)']];
  rules.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return rules.map(([rule, n]) => [`refusals.${rule}`, `Entries refused by ${rule}`, n.toLocaleString('en-US')]);
}

/**
 * The calendar periods the P&L commands count in live in performance/periods.ts,
 * shared with the PWA's period tables; re-exported here for the commands.
 */
export * from '../performance/periods.ts';

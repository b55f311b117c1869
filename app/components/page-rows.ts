/** Rows in one page of every long list (a backtest's trades, the decisions), in the browser and attached to a relay. */
export const PAGE_ROWS = 100;

/** The slice of a newest-first list that page `page` (0 = newest) shows. */
export const pageSlice = <T>(rows: readonly T[], page: number): T[] => rows.slice(page * PAGE_ROWS, (page + 1) * PAGE_ROWS);

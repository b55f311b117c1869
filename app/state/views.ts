/** The views, in nav order; the hash is the route ('#/trades'). */
export const VIEWS = [
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'agents', label: 'Agents', key: '2' },
  // Added after the first eight: their Alt keys stay as people learned them.
  { id: 'risk', label: 'Risk', key: '9' },
  { id: 'trades', label: 'Trades', key: '3' },
  { id: 'decisions', label: 'Decisions', key: '4' },
  { id: 'backtest', label: 'Backtest', key: '5' },
  { id: 'lab', label: 'Lab', key: '0' },
  { id: 'models', label: 'Models', key: '6' },
  { id: 'data', label: 'Data', key: '7' },
  { id: 'settings', label: 'Settings', key: '8' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

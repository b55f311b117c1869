import { createSignal } from 'solid-js';

/** The views, in nav order; the hash is the route ('#/trades'). */
export const VIEWS = [
  { id: 'overview', label: 'Overview', key: '1' },
  { id: 'agents', label: 'Agents', key: '2' },
  { id: 'trades', label: 'Trades', key: '3' },
  { id: 'decisions', label: 'Decisions', key: '4' },
  { id: 'backtest', label: 'Backtest', key: '5' },
  { id: 'models', label: 'Models', key: '6' },
  { id: 'data', label: 'Data', key: '7' },
  { id: 'settings', label: 'Settings', key: '8' },
] as const;
export type ViewId = (typeof VIEWS)[number]['id'];

function parse(hash: string): { view: ViewId; params: URLSearchParams } {
  const [path, query = ''] = hash.replace(/^#\/?/, '').split('?');
  const view = (VIEWS.find((v) => v.id === path)?.id ?? 'overview') as ViewId;
  return { view, params: new URLSearchParams(query) };
}

const [route, setRoute] = createSignal(parse(location.hash));
window.addEventListener('hashchange', () => setRoute(parse(location.hash)));

export { route };

/** Opens a view, with optional query parameters ('trades', { agent: 'demo-sma' }). */
export function navigate(view: ViewId, params?: Record<string, string>): void {
  const q = params ? new URLSearchParams(params).toString() : '';
  location.hash = `#/${view}${q ? `?${q}` : ''}`;
}

export function isView(v: string): v is ViewId {
  return VIEWS.some((x) => x.id === v);
}

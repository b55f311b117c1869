import { createSignal } from 'solid-js';
import { VIEWS, type ViewId } from './views.ts';

export { VIEWS, type ViewId };

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

/**
 * The command registry (app/state/commands.ts) pulls every command, and what
 * they read (model health, live-vs-backtest, comparisons), into whatever
 * imports it. The shell's palette and emergency stop load it through here: it
 * leaves the first paint, and is fetched right after (preloadCommands), so a
 * click never waits on the network. One load, shared.
 */
type Commands = typeof import('./commands.ts');

let loading: Promise<Commands> | null = null;

export function loadCommands(): Promise<Commands> {
  loading ??= import('./commands.ts').catch((e: unknown) => {
    loading = null; // a failed fetch (offline before the service worker has it) is tried again at the next use
    throw new Error(`the commands could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  });
  return loading;
}

/** After the first render, when the page is idle. */
export function preloadCommands(): void {
  const load = () => void loadCommands().catch(() => undefined);
  if (typeof requestIdleCallback === 'function') requestIdleCallback(load, { timeout: 2000 });
  else setTimeout(load, 0);
}

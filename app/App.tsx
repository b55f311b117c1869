import { createSignal, ErrorBoundary, lazy, Match, onCleanup, onMount, Show, Suspense, Switch } from 'solid-js';
import { createWorkspace, replaySpeedFromUrl, STORE_NAME } from './state/create-workspace.ts';
import { createRemoteWorkspace } from './remote/remote-workspace.ts';
import type { WorkspaceChoice } from './remote/attach.ts';
import { WorkspaceSwitch } from './remote/WorkspaceSwitch.tsx';
import { RelayClient } from './remote/relay-client.ts';
import { keepLeases, loadHandover, setRelayLinked } from './remote/handover.ts';
import { createDexieStore } from './store/dexie-store.ts';
import { WorkspaceContext } from './state/workspace.ts';
import { route, VIEWS, navigate } from './state/route.ts';
import { ConfirmHost } from './components/confirm.tsx';
import { notify, Toasts } from './components/toasts.tsx';
import { Palette, openPalette } from './components/Palette.tsx';
import { EmergencyStop } from './components/EmergencyStop.tsx';
import { EngineBadge } from './components/EngineBadge.tsx';
import { StorageMeter } from './components/StorageMeter.tsx';
import { UpdatePrompt } from './components/UpdatePrompt.tsx';
import { FeedLine } from './components/FeedLine.tsx';
import { TradingBanner } from './components/TradingBanner.tsx';
import { BrowserAlerts } from './alerts/BrowserAlerts.tsx';
import OverviewView from './views/overview/OverviewView.tsx';

// The first view renders at once; the others load when opened (the shell stays small).
const AgentsView = lazy(() => import('./views/agents/AgentsView.tsx'));
const RiskView = lazy(() => import('./views/risk/RiskView.tsx'));
const TradesView = lazy(() => import('./views/trades/TradesView.tsx'));
const DecisionsView = lazy(() => import('./views/decisions/DecisionsView.tsx'));
const BacktestView = lazy(() => import('./views/backtest/BacktestView.tsx'));
const LabView = lazy(() => import('./views/lab/LabView.tsx'));
const ModelsView = lazy(() => import('./views/models/ModelsView.tsx'));
const DataView = lazy(() => import('./views/data/DataView.tsx'));
const SettingsView = lazy(() => import('./views/settings/SettingsView.tsx'));

export function App(props: { choice?: WorkspaceChoice }) {
  const choice = props.choice ?? { kind: 'browser' };
  const ws =
    choice.kind === 'relay'
      ? createRemoteWorkspace(choice.relay, createDexieStore(STORE_NAME).settings)
      : createWorkspace({ replaySpeed: replaySpeedFromUrl(location.search), baseUrl: new URL(import.meta.env.BASE_URL, location.href).href });
  if (choice.kind === 'browser' && choice.notice) queueMicrotask(() => notify('error', choice.notice!));
  const [menuOpen, setMenuOpen] = createSignal(false);
  onCleanup(() => ws.close());

  onMount(() => {
    // This browser's workspace with a relay session: offer handover, and keep the leases it holds.
    if (choice.kind === 'browser' && navigator.onLine) {
      const relay = new RelayClient(location.origin);
      void relay.attached().then(async (linked) => {
        if (!linked) return;
        setRelayLinked(true);
        await loadHandover(ws);
        keepLeases(ws, relay, (text) => notify('error', text)); // for the page's life
      });
    }
    // When the shell first rendered (bench/app-shell.bench.ts reads it).
    performance.mark('tradeguard:shell-rendered');
    // Alt+1..9 jump between views (the nav's accesskeys, without the browser-specific modifiers).
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey) return;
      const v = VIEWS.find((x) => x.key === e.key);
      if (v) {
        e.preventDefault();
        navigate(v.id);
      }
    };
    window.addEventListener('keydown', onKey);
    onCleanup(() => window.removeEventListener('keydown', onKey));
  });

  return (
    <WorkspaceContext.Provider value={ws}>
      <div class="shell" data-shell-ready>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <button class="ghost menu-toggle" aria-label="Menu" aria-expanded={menuOpen()} onClick={() => setMenuOpen((o) => !o)}>
            ☰
          </button>
          <a class="brand" href="#/overview">
            <img src="./icons/icon-192.png" alt="" width="22" height="22" /> TradeGuard
          </a>
          <EngineBadge info={ws.engine()} />
          <WorkspaceSwitch choice={choice} />
          <FeedLine />
          <span class="grow" />
          <StorageMeter />
          <button class="ghost palette-button" onClick={() => openPalette()} title="Command palette (Ctrl+K)">
            ⌘K Commands
          </button>
          <EmergencyStop />
          <TradingBanner />
        </header>
        <Show when={ws.engine().error}>
          <div class="banner error" role="alert" data-engine-error>
            {ws.engine().error}
          </div>
        </Show>
        <nav class="nav" classList={{ open: menuOpen() }} aria-label="Views">
          {VIEWS.map((v) => (
            <a href={`#/${v.id}`} aria-current={route().view === v.id ? 'page' : undefined} title={`${v.label} (Alt+${v.key})`} onClick={() => setMenuOpen(false)}>
              {v.label}
            </a>
          ))}
        </nav>
        <main id="main" tabindex="-1">
          <ErrorBoundary fallback={(err, reset) => <ViewError error={err} reset={reset} />}>
            <Suspense fallback={<p class="muted">Loading…</p>}>
              <Switch>
                <Match when={route().view === 'overview'}>
                  <OverviewView />
                </Match>
                <Match when={route().view === 'agents'}>
                  <AgentsView />
                </Match>
                <Match when={route().view === 'risk'}>
                  <RiskView />
                </Match>
                <Match when={route().view === 'trades'}>
                  <TradesView />
                </Match>
                <Match when={route().view === 'decisions'}>
                  <DecisionsView />
                </Match>
                <Match when={route().view === 'backtest'}>
                  <BacktestView />
                </Match>
                <Match when={route().view === 'lab'}>
                  <LabView />
                </Match>
                <Match when={route().view === 'models'}>
                  <ModelsView />
                </Match>
                <Match when={route().view === 'data'}>
                  <DataView />
                </Match>
                <Match when={route().view === 'settings'}>
                  <SettingsView />
                </Match>
              </Switch>
            </Suspense>
          </ErrorBoundary>
        </main>
        <Palette />
        <ConfirmHost />
        <Toasts />
        <BrowserAlerts />
        <UpdatePrompt />
      </div>
    </WorkspaceContext.Provider>
  );
}

function ViewError(props: { error: unknown; reset: () => void }) {
  return (
    <div class="banner error" role="alert">
      <p>This view failed: {props.error instanceof Error ? props.error.message : String(props.error)}</p>
      <button onClick={() => props.reset()}>Try again</button>
    </div>
  );
}

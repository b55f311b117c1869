import { onCleanup, onMount } from 'solid-js';
import type { LoggedAlert } from './alert-log.ts';
import { ALERT_PAGE } from './alert-log.ts';
import { NewAlertGate, notifyPlan } from './browser-notify.ts';
import { loadPicked, permission, picked, refreshPermission } from './browser-prefs.ts';
import { alertSourceFor } from './source.ts';
import { navigate } from '../state/route.ts';
import { useWorkspace } from '../state/workspace.ts';

const POLL_MS = 10_000;

/**
 * Shows a browser notification for each new alert of the types picked in
 * Settings, while the page is open: the relay's log polled, or the alerts
 * this browser derives from its own engine. Renders nothing.
 */
export function BrowserAlerts() {
  const ws = useWorkspace();
  let gate: NewAlertGate | null = null;
  let busy = false;

  const poll = async () => {
    refreshPermission();
    const types = new Set(picked());
    // Off: forget the baseline, so turning it on again never brings up what came meanwhile.
    if (types.size === 0 || permission() !== 'granted') {
      gate = null;
      return;
    }
    if (busy) return;
    busy = true;
    try {
      const head = await alertSourceFor(ws).page({ limit: ALERT_PAGE });
      gate ??= new NewAlertGate();
      const plan = notifyPlan(gate.admit(head.alerts), types, permission());
      for (const a of plan.each) show(a.title, a.lines.join('\n'), a.id, a);
      if (plan.more) show(`${plan.more} more alerts`, 'Open TradeGuard to read them in the alert log.', `more-${Date.now()}`);
    } catch {
      // The relay unreachable or the record unreadable: the next poll tries again; the alert log says why.
    } finally {
      busy = false;
    }
  };

  onMount(() => {
    void loadPicked(ws.store.settings).then(poll);
    const timer = setInterval(() => void poll(), POLL_MS);
    onCleanup(() => clearInterval(timer));
  });
  return null;
}

function show(title: string, body: string, tag: string, alert?: LoggedAlert): void {
  const opts: NotificationOptions = { body, tag, silent: alert?.priority === 'low' };
  try {
    const n = new Notification(title, opts);
    n.onclick = () => {
      window.focus();
      navigate('overview');
      n.close();
    };
  } catch {
    // Android's Chrome allows notifications only through the service worker.
    void navigator.serviceWorker?.getRegistration().then((r) => r?.showNotification(title, opts));
  }
}

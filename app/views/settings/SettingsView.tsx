import { createResource, createSignal, For, onMount, Show } from 'solid-js';
import { Page } from '../../components/Page.tsx';
import { useWorkspace } from '../../state/workspace.ts';
import { Field, errorText } from './form-fields.tsx';
import { CTraderPanel } from './CTraderPanel.tsx';
import { IbkrPanel } from './IbkrPanel.tsx';
import { RiskLimitsForm } from './RiskLimitsForm.tsx';
import { GoLivePanel } from './GoLivePanel.tsx';
import { NotifyPanel } from './NotifyPanel.tsx';
import { CommandUsagePanel } from './CommandUsagePanel.tsx';
import { BrowserNotifyPanel } from '../../alerts/BrowserNotifyPanel.tsx';
import { attachedToRelay, useBrowserWorkspace } from '../../remote/attach.ts';
import { DEFAULT_REPLAY_SPEED, SETTING_KEYS, relayTokenProblem, relayUrlProblem, replaySpeedProblem } from './settings-model.ts';

type Msg = { ok: boolean; text: string } | null;

function Saved(props: { msg: Msg; section: string }) {
  return <Show when={props.msg}>{(m) => <div class={`notice ${m().ok ? 'notice-ok' : 'notice-error'}`} role="status" data-saved={props.section}>{m().text}</div>}</Show>;
}

/**
 * Settings: the relay (address and token), broker accounts, the risk limits the engine enforces,
 * notifications and replay speed. Each section saves on its own, each field
 * says what is wrong with it, and a stored token is never shown again.
 */
export function SettingsView() {
  const ws = useWorkspace();
  const settings = ws.store.settings;

  // Relay
  const [relayUrl, setRelayUrl] = createSignal('');
  const [token, setToken] = createSignal('');
  const [hasToken, { refetch: refetchToken }] = createResource(async () => (await settings.get<string>(SETTING_KEYS.relayToken)) !== undefined);
  const [relayErr, setRelayErr] = createSignal<{ url?: string; token?: string }>({});
  const [relayMsg, setRelayMsg] = createSignal<Msg>(null);

  // Replay
  const [speed, setSpeed] = createSignal('');
  const [speedErr, setSpeedErr] = createSignal('');
  const [speedMsg, setSpeedMsg] = createSignal<Msg>(null);

  onMount(async () => {
    setRelayUrl((await settings.get<string>(SETTING_KEYS.relayUrl)) ?? '');
    setSpeed(String((await settings.get<number>(SETTING_KEYS.replaySpeed)) ?? DEFAULT_REPLAY_SPEED));
  });

  const save = async (what: string, set: (m: Msg) => void, write: () => Promise<void>, ok: string) => {
    try {
      await write();
      set({ ok: true, text: ok });
    } catch (e) {
      set({ ok: false, text: `${what} not saved: ${errorText(e)}` });
    }
  };

  const saveRelay = async () => {
    const e = { url: relayUrlProblem(relayUrl()) ?? undefined, token: relayTokenProblem(token()) ?? undefined };
    setRelayErr(e);
    setRelayMsg(null);
    if (e.url || e.token) return;
    await save('Relay', setRelayMsg, async () => {
      const url = relayUrl().trim();
      if (url) await settings.put(SETTING_KEYS.relayUrl, url);
      else await settings.delete(SETTING_KEYS.relayUrl);
      if (token()) await settings.put(SETTING_KEYS.relayToken, token());
      // The typed token leaves the page as soon as it is stored.
      setToken('');
      await refetchToken();
    }, 'Relay settings saved.');
  };
  const forgetToken = async () => {
    await save('Token', setRelayMsg, async () => {
      await settings.delete(SETTING_KEYS.relayToken);
      await refetchToken();
    }, 'Token removed.');
  };

  const saveSpeed = async () => {
    const s = replaySpeedProblem(speed());
    setSpeedErr('error' in s ? s.error : '');
    setSpeedMsg(null);
    if ('error' in s) return;
    await save('Replay speed', setSpeedMsg, () => settings.put(SETTING_KEYS.replaySpeed, s.value), 'Replay speed saved; it applies when the engine next starts (reload the app).');
  };

  return (
    <Page view="settings" class="view" title="Settings">

      <Show when={attachedToRelay(ws)}>
        <div class="panel" data-relay-attached>
          <h3>Relay</h3>
          <p>
            Attached to the relay at <code data-relay-origin>{location.origin}</code>: its engine runs this workspace and keeps its record, bars and models; commands from this page go to it. This browser keeps only its own settings.
          </p>
          <div class="actions">
            <button type="button" class="btn" onClick={useBrowserWorkspace} data-action="use-browser">Use this browser's workspace instead</button>
          </div>
        </div>
      </Show>
      <Show when={!attachedToRelay(ws)}>
      <form class="panel" onSubmit={(e) => { e.preventDefault(); void saveRelay(); }} noValidate data-relay-form>
        <h3>Relay</h3>
        <p class="field-hint">This is this browser's own workspace. To watch a relay's instead, open the link the relay prints when it starts (npm start), or open the relay's address and use “Attach to relay” at the top.</p>
        <div class="form-grid">
          <Field name="relayUrl" label="Relay address" error={relayErr().url ?? null} hint="where the headless engine runs; blank: none">
            {(id, d) => <input id={id} type="text" inputMode="url" autocomplete="off" placeholder="https://relay.example.com" aria-describedby={d} value={relayUrl()} onInput={(e) => setRelayUrl(e.currentTarget.value)} />}
          </Field>
          <Field name="relayToken" label="Relay token" error={relayErr().token ?? null} hint={hasToken() ? 'a token is stored (hidden); type a new one to replace it' : 'printed by the relay when it starts'}>
            {(id, d) => <input id={id} type="password" autocomplete="new-password" placeholder={hasToken() ? '•••••••• stored' : ''} aria-describedby={d} value={token()} onInput={(e) => setToken(e.currentTarget.value)} data-input="relay-token" />}
          </Field>
        </div>
        <div class="actions">
          <button type="submit" class="btn btn-primary" data-action="save-relay">Save relay</button>
          <Show when={hasToken()}><button type="button" class="btn btn-danger" onClick={() => void forgetToken()}>Remove stored token</button></Show>
        </div>
        <Saved msg={relayMsg()} section="relay" />
      </form>
      </Show>

      <div class="panel">
        <h3>Broker accounts</h3>
        <div class="table-wrap">
        <table class="grid" data-brokers>
          <thead><tr><th>Broker</th><th>Status</th></tr></thead>
          <tbody>
            <For each={[
              ['Paper', 'Built in: every agent trades a simulated account with spread, slippage and commission.'],
              ['cTrader', 'Connected through the relay: see cTrader below.'],
              ['Interactive Brokers', 'TWS or IB Gateway through the relay: see Interactive Brokers below.'],
            ]}>
              {([name, status]) => <tr><td>{name}</td><td>{status}</td></tr>}
            </For>
          </tbody>
        </table>
        </div>
      </div>

      <CTraderPanel />

      <IbkrPanel />

      <RiskLimitsForm />

      <GoLivePanel />

      <NotifyPanel />

      <BrowserNotifyPanel settings={settings} local={!attachedToRelay(ws)} />

      <CommandUsagePanel settings={settings} />

      <form class="panel" onSubmit={(e) => { e.preventDefault(); void saveSpeed(); }} noValidate>
        <h3>Replay</h3>
        <div class="form-grid">
          <Field name="replaySpeed" label="Replay speed" unit="× real time" hint="3,600: one hour bar a second" error={speedErr() || null}>
            {(id, d) => <input id={id} class="num" inputMode="decimal" aria-describedby={d} value={speed()} onInput={(e) => setSpeed(e.currentTarget.value)} />}
          </Field>
        </div>
        <div class="actions"><button type="submit" class="btn btn-primary" data-action="save-replay">Save replay speed</button></div>
        <Saved msg={speedMsg()} section="replay" />
      </form>
    </Page>
  );
}

export default SettingsView;

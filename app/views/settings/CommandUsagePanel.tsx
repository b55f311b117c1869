import { createResource, For, Show } from 'solid-js';
import type { SettingsRepository } from '../../../workers/store/store.ts';
import { paletteUsage, usageRows } from '../../state/command-usage.ts';
import { errorText } from './form-fields.tsx';
import { attachedRelay, notifyApi } from './notify-api.ts';

/** Which commands are used, and where: this browser's palette beside the relay's Telegram bot. */
export function CommandUsagePanel(props: { settings: SettingsRepository }) {
  const [data] = createResource(async () => {
    const palette = await paletteUsage(props.settings);
    const relay = await attachedRelay();
    if (!relay) return { rows: usageRows(palette, null), note: 'Telegram: not attached to a relay.' };
    try {
      return { rows: usageRows(palette, await notifyApi.usage(relay)), note: null };
    } catch (e) {
      return { rows: usageRows(palette, null), note: `Telegram: the relay could not report its counts: ${errorText(e)}` };
    }
  });
  return (
    <div class="panel" data-panel="command-usage">
      <h3>Command usage</h3>
      <Show when={data.latest} fallback={<p class="field-hint">Counting…</p>}>
        {(d) => (
          <>
            <Show when={d().note}>{(n) => <p class="field-hint" data-usage-note>{n()}</p>}</Show>
            <div class="table-wrap">
              <table class="grid" data-command-usage style={{ width: 'auto' }}>
                <thead>
                  <tr><th scope="col">Command</th><th scope="col" class="num">Palette</th><th scope="col" class="num">Telegram</th><th scope="col" class="num">Total</th></tr>
                </thead>
                <tbody>
                  <For each={d().rows} fallback={<tr><td colSpan={4}>No command used yet: Ctrl+K opens the palette.</td></tr>}>
                    {(r) => (
                      <tr data-command={r.command}>
                        <td><code>{r.command}</code></td>
                        <td class="num">{r.palette}</td>
                        <td class="num">{r.telegram ?? '—'}</td>
                        <td class="num">{r.total}</td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </>
        )}
      </Show>
    </div>
  );
}

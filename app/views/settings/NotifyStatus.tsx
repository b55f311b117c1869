import { For, Show } from 'solid-js';
import type { NotifyOverview } from './notify-api.ts';

const BOT_STATE: Record<string, string> = {
  starting: 'starting: asking Telegram who it is',
  connected: 'connected',
  unreachable: 'not connected: Telegram is not reachable (retrying)',
  unauthorized: 'not connected: Telegram refused the token (401): check TG_TELEGRAM_BOT_TOKEN with BotFather',
  conflict: 'not connected: another program is reading this bot’s updates (409)',
  misconfigured: 'not connected: the bot’s settings are wrong',
  stopped: 'stopped',
};

/** The channels as the relay sees them: the bot (getMe's username, connected or why not), its chats, Discord and the outbox. */
export function NotifyStatus(props: { o: NotifyOverview }) {
  const tg = () => props.o.telegram;
  return (
    <div class="table-wrap">
      <table class="grid" data-notify-status style={{ width: 'auto' }}>
        <tbody>
          <tr>
            <th scope="row">Telegram bot</th>
            <td data-telegram-state={tg()?.state ?? 'none'}>
              <Show when={tg()} fallback="not set up: set TG_TELEGRAM_BOT_TOKEN (from BotFather) and TG_TELEGRAM_CHAT_ID for the relay and restart it">
                {(t) => (
                  <>
                    <Show when={t().username}>
                      <b data-telegram-username>@{t().username}</b> ·{' '}
                    </Show>
                    {BOT_STATE[t().state] ?? t().state}
                    <Show when={t().reason}>{(r) => <div class="field-hint" data-telegram-reason>{r()}</div>}</Show>
                  </>
                )}
              </Show>
            </td>
          </tr>
          <Show when={tg()}>
            {(t) => (
              <tr>
                <th scope="row">Allowed chats</th>
                <td class="num" data-telegram-chats>{t().allowedChatIds.length ? t().allowedChatIds.join(', ') : 'none: set TG_TELEGRAM_CHAT_ID (the relay log names each refused chat id)'}</td>
              </tr>
            )}
          </Show>
          <tr>
            <th scope="row">Discord</th>
            <td data-discord>
              {props.o.discord.configured ? 'webhook configured' : 'not set up: set TG_DISCORD_WEBHOOK_URL for the relay and restart it'}
              <Show when={props.o.discord.reason}>{(r) => <div class="field-hint" data-discord-reason>last send failed: {r()}</div>}</Show>
            </td>
          </tr>
          <tr>
            <th scope="row">Outbox</th>
            <td data-outbox>
              {props.o.outbox ? `${props.o.outbox.pending} waiting, ${props.o.outbox.failed} failed` : 'none: no channel to send to'}
              <For each={Object.entries(props.o.outbox?.channels ?? {})}>
                {([name, c]) => (
                  <div class="field-hint" data-outbox-channel={name}>
                    {name}: {c.pending} waiting, {c.failed} failed{c.lastError ? ` · last failure: ${c.lastError}` : ''}
                  </div>
                )}
              </For>
            </td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}

import type { RelayConfig } from './config.ts';
import { CTRADER_DEFAULTS, hostPortText } from './ctrader-endpoints.ts';
import { describeDiscordWebhook } from '../notify/discord.ts';

const SECRET_KEY = /token|secret|password|authorization|cookie|session/i;
export const REDACTED = '[redacted]';

/**
 * Removes secrets from anything about to be printed or logged: values under
 * secret-looking keys, and every occurrence of a known secret value inside any
 * string (an error message that quotes a header, say). Known secrets shorter
 * than 8 characters are not scrubbed from free text (they would mangle words).
 */
export function createRedactor(secrets: () => readonly string[]): (v: unknown) => unknown {
  const scrub = (s: string) => {
    let out = s;
    for (const x of secrets()) if (x.length >= 8 && out.includes(x)) out = out.split(x).join(REDACTED);
    return out;
  };
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') return scrub(v);
    if (v === null || typeof v !== 'object' || depth > 6) return v;
    if (v instanceof Error) return { name: v.name, message: scrub(v.message) };
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = SECRET_KEY.test(k) && x !== null && x !== undefined && typeof x !== 'boolean' && typeof x !== 'number' ? REDACTED : walk(x, depth + 1);
    return out;
  };
  return (v) => walk(v, 0);
}

/** The config as `serve` prints it: secrets shown only as set or not. */
export function describeConfig(c: RelayConfig): string[] {
  const set = (v: unknown) => (v ? 'set' : 'not set');
  return [
    `listen        ${c.host}:${c.port}`,
    `data dir      ${c.dataDir}`,
    `relay token   ${set(c.relayToken)}`,
    `public origin ${c.publicOrigin ?? 'none'}`,
    ...(c.trustProxyHops > 0 ? [`proxies       ${c.trustProxyHops} in front: the client address is X-Forwarded-For's ${c.trustProxyHops === 1 ? 'last entry' : `entry ${c.trustProxyHops} from the right`}`] : []),
    `replay speed  ${c.replaySpeed}x`,
    `tunnel allow  ${c.tunnelAllow.join(', ') || 'none'}`,
    `cTrader app   ${c.ctrader ? `client id ${c.ctrader.clientId.slice(0, 6)}..., secret ${REDACTED}` : 'not set'}`,
    ...ctraderOverrides(c),
    `Telegram bot  ${c.telegram ? `token ${REDACTED}, chat ${c.telegram.chatIds.join(', ')}${c.telegram.userIds.length ? `, group users ${c.telegram.userIds.join(', ')}` : ''}, Bot API ${c.telegram.apiRoot}` : 'not set'}`,
    `Discord       ${c.discordWebhookUrl ? describeDiscordWebhook(c.discordWebhookUrl) : 'not set'}`,
  ];
}

/** The cTrader endpoints, printed only when they are not Spotware's (a sandbox, proxy or test server is in use). */
function ctraderOverrides(c: RelayConfig): string[] {
  const e = c.ctraderEndpoints;
  const d = CTRADER_DEFAULTS;
  const custom = hostPortText(e.demo) !== hostPortText(d.demo) || hostPortText(e.live) !== hostPortText(d.live) || e.caFile !== null || e.authUrl !== d.authUrl || e.tokenUrl !== d.tokenUrl;
  if (!custom) return [];
  return [`cTrader at    demo ${hostPortText(e.demo)}, live ${hostPortText(e.live)}${e.caFile ? `, CA ${e.caFile}` : ''}; OAuth ${e.authUrl}, ${e.tokenUrl}`];
}

export function configSecrets(c: RelayConfig): string[] {
  // The webhook's token alone too: a message may quote the URL in another form (encoded, without its query).
  const webhookToken = c.discordWebhookUrl ? /\/webhooks\/\d+\/([^/?#]+)/.exec(c.discordWebhookUrl)?.[1] : undefined;
  return [c.relayToken, c.ctrader?.clientSecret, c.telegram?.botToken, c.discordWebhookUrl, webhookToken].filter((x): x is string => typeof x === 'string');
}

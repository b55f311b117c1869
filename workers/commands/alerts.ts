import { ALERT_TYPES, DEFAULT_DELIVERY, isAlertType, type AlertDelivery, type AlertType } from '../notify/alert.ts';
import { ALERT_LABELS } from '../notify/labels.ts';
import { CommandError, expect, type CommandContext, type CommandDef, type CommandRegistry } from './registry.ts';

/**
 * `/alerts`, `#mute`, `#unmute`: which alerts reach the phone, from the chat
 * or the palette. Alerts are sent by the relay, so these need its
 * `AlertControl` in the command context; a surface without one (the PWA on
 * its own) answers where deliveries are set instead.
 *
 * `#mute <type|all>` turns types off; `#mute <type|all> silent` keeps them
 * coming without a sound (Telegram's own meaning of muting a chat). What a
 * type had before is remembered, so `#unmute` gives it back; with nothing
 * remembered an off type gets its default, and a silent one named on its own
 * gets its sound (`#unmute all` leaves silent types it did not mute alone).
 */

/** Types muted by #mute, with the delivery each had before: what #unmute gives back. */
export type MutedFrom = Partial<Record<AlertType, AlertDelivery>>;

export interface DeliveryChange {
  type: AlertType;
  from: AlertDelivery;
  to: AlertDelivery;
}

/** The relay's alert settings as the commands may touch them. */
export interface AlertControl {
  /** Each type's delivery as it stands, what the muted ones had, and one line per channel ('Telegram: connected as @bot'). */
  overview(): Promise<{ delivery: Record<AlertType, AlertDelivery>; mutedFrom: MutedFrom; channels: string[] }>;
  /** Applies planMute (saved, and used from the next alert); returns what changed. */
  mute(types: readonly AlertType[], to: 'off' | 'silent'): Promise<DeliveryChange[]>;
  /** Applies planUnmute; `named`: one type was named (not all). */
  unmute(types: readonly AlertType[], named: boolean): Promise<DeliveryChange[]>;
}

export interface DeliveryPlan {
  changes: DeliveryChange[];
  mutedFrom: MutedFrom;
}

/** Muting: off stays off (silent is louder), and the first delivery muted from is the one remembered. */
export function planMute(table: Record<AlertType, AlertDelivery>, mutedFrom: MutedFrom, types: readonly AlertType[], to: 'off' | 'silent'): DeliveryPlan {
  const memory = { ...mutedFrom };
  const changes: DeliveryChange[] = [];
  for (const type of types) {
    const from = table[type];
    if (from === 'off' || from === to) continue;
    memory[type] ??= from;
    changes.push({ type, from, to });
  }
  return { changes, mutedFrom: memory };
}

/** Unmuting: what was remembered; else an off type's default (on if its default is off), and a silent type named alone gets on. */
export function planUnmute(table: Record<AlertType, AlertDelivery>, mutedFrom: MutedFrom, types: readonly AlertType[], named: boolean): DeliveryPlan {
  const memory = { ...mutedFrom };
  const changes: DeliveryChange[] = [];
  for (const type of types) {
    const from = table[type];
    const remembered = memory[type];
    delete memory[type];
    const fallback = DEFAULT_DELIVERY[type] === 'off' ? 'on' : DEFAULT_DELIVERY[type];
    const to = remembered && remembered !== from ? remembered : from === 'off' ? fallback : from === 'silent' && named ? 'on' : from;
    if (to !== from) changes.push({ type, from, to });
  }
  return { changes, mutedFrom: memory };
}

const NO_RELAY = 'alerts are sent by the relay: start it (npm start) and use its Telegram chat, or set deliveries in Settings > Notifications while this workspace is attached to it';

function control(ctx: CommandContext): AlertControl {
  if (!ctx.alerts) throw new CommandError(NO_RELAY);
  return ctx.alerts;
}

/** 'all' or one type; anything else is refused with the list of types. */
function typeWord(word: string | undefined, head: string, usage: string): AlertType[] | null {
  const w = word?.toLowerCase();
  if (w === 'all') return null;
  if (w && isAlertType(w)) return [w];
  throw new CommandError(`${head}: ${w ? `"${word}" is not an alert type` : 'name an alert type or all'} (usage: ${usage}); types: ${ALERT_TYPES.join(', ')}`);
}

const changeLine = (c: DeliveryChange) => `${c.type}: ${c.from} -> ${c.to}`;

const alerts: CommandDef<void> = {
  name: '/alerts',
  category: 'Alerts',
  summary: 'each alert type with its delivery (on, silent, off) and the channels\' state',
  usage: '/alerts',
  destructive: false,
  parse: expect.none,
  async run(ctx) {
    const o = await control(ctx).overview();
    return [
      'Alerts (on: with sound, silent: without, off: not sent):',
      ...ALERT_TYPES.map((t) => {
        const muted = o.mutedFrom[t] ? `, muted (was ${o.mutedFrom[t]})` : o.delivery[t] !== DEFAULT_DELIVERY[t] ? `, default ${DEFAULT_DELIVERY[t]}` : '';
        return `  ${t}: ${o.delivery[t]}${muted} — ${ALERT_LABELS[t]}`;
      }),
      'Channels:',
      ...(o.channels.length ? o.channels.map((c) => `  ${c}`) : ['  none: alerts are recorded, not sent']),
      'Change: #mute <type|all> [silent], #unmute <type|all>',
    ];
  },
};

type MuteArgs = { types: AlertType[] | null; to: 'off' | 'silent' };
const MUTE_USAGE = '#mute <type|all> [silent]';
const UNMUTE_USAGE = '#unmute <type|all>';

const mute: CommandDef<MuteArgs> = {
  name: '#mute',
  category: 'Alerts',
  summary: 'stop an alert type (or all) reaching the phone; with silent, it still comes without a sound',
  usage: MUTE_USAGE,
  destructive: false,
  parse(words, head) {
    if (words.length < 1 || words.length > 2) throw new CommandError(`${head} takes an alert type or all, then optionally silent (usage: ${MUTE_USAGE})`);
    if (words[1] !== undefined && words[1].toLowerCase() !== 'silent') throw new CommandError(`${head}: the second word can only be silent, got "${words[1]}" (usage: ${MUTE_USAGE})`);
    return { types: typeWord(words[0], head, MUTE_USAGE), to: words[1] ? 'silent' : 'off' };
  },
  async run(ctx, a) {
    const changes = await control(ctx).mute(a.types ?? ALERT_TYPES, a.to);
    const what = a.types ? a.types[0] : 'every type';
    if (changes.length === 0) return [`${what}: already ${a.to === 'off' ? 'off' : 'silent or off'}, nothing changed`];
    const head = a.to === 'off' ? `${what} muted: not sent until #unmute ${a.types ? a.types[0] : 'all'}` : `${what} silent: sent without a sound until #unmute ${a.types ? a.types[0] : 'all'}`;
    return [head, ...(a.types ? [changeLine(changes[0])] : changes.map(changeLine))];
  },
};

const unmute: CommandDef<{ types: AlertType[] | null }> = {
  name: '#unmute',
  category: 'Alerts',
  summary: 'give a muted alert type (or all) back the delivery it had',
  usage: UNMUTE_USAGE,
  destructive: false,
  parse(words, head) {
    if (words.length !== 1) throw new CommandError(`${head} takes one alert type or all (usage: ${UNMUTE_USAGE})`);
    return { types: typeWord(words[0], head, UNMUTE_USAGE) };
  },
  async run(ctx, a) {
    const changes = await control(ctx).unmute(a.types ?? ALERT_TYPES, a.types !== null);
    if (changes.length === 0) return [a.types ? `${a.types[0]}: not muted, nothing changed` : 'no type was muted, nothing changed'];
    return [`${changes.length === 1 ? changes[0].type : `${changes.length} types`} unmuted:`, ...changes.map(changeLine)];
  },
};

export function addAlertCommands(r: CommandRegistry): CommandRegistry {
  return r.add(alerts).add(mute).add(unmute);
}

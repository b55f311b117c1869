/**
 * Who may talk to the bot: the chats on the allow-list and, in a group, only
 * the users on the user list. Anyone else gets no answer at all (a stranger
 * learns nothing, not even that the bot is alive), and the relay log names the
 * refused chat so the owner can add their own id.
 */

export type LogFn = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;

/** '123, -100456' -> [123, -100456]; entries that are not numeric ids are returned apart ('@channel' names cannot match a sender). */
export function parseIdList(text: string | readonly (string | number)[] | undefined): { ids: number[]; invalid: string[] } {
  const items = text === undefined ? [] : typeof text === 'string' ? text.split(',') : text.map(String);
  const ids: number[] = [];
  const invalid: string[] = [];
  for (const raw of items.map((x) => x.trim()).filter((x) => x.length > 0)) {
    if (/^-?\d{1,20}$/.test(raw) && Number.isSafeInteger(Number(raw))) ids.push(Number(raw));
    else invalid.push(raw);
  }
  return { ids, invalid };
}

export interface Sender {
  chatId: number | undefined;
  chatType: string | undefined;
  userId: number | undefined;
}

/** How often one refused chat is logged again: a stranger spamming the bot must not flood the log. */
const RELOG_MS = 60 * 60_000;

export function createAllowList(chatIds: readonly number[], userIds: readonly number[], log: LogFn, now: () => number): (s: Sender) => boolean {
  const chats = new Set(chatIds);
  const users = new Set(userIds);
  const lastLogged = new Map<string, number>();
  const refuse = (key: string, msg: string, fields: Record<string, unknown>) => {
    const t = now();
    const prev = lastLogged.get(key);
    if (prev === undefined || t - prev >= RELOG_MS) {
      if (lastLogged.size > 1000) lastLogged.clear();
      lastLogged.set(key, t);
      log('warn', msg, fields);
    }
    return false;
  };
  return ({ chatId, chatType, userId }) => {
    if (chatId === undefined) return false;
    if (!chats.has(chatId))
      return refuse(`c${chatId}`, `telegram: ignored a message from chat ${chatId}, which is not on the allow-list (to allow it, add ${chatId} to TG_TELEGRAM_CHAT_ID)`, { chatId, chatType, userId });
    const group = chatType === 'group' || chatType === 'supergroup';
    if (group && (userId === undefined || !users.has(userId)))
      return refuse(`u${chatId}:${userId}`, `telegram: ignored user ${userId ?? 'unknown'} in allowed group ${chatId}: in groups only listed users may command (to allow them, add ${userId} to TG_TELEGRAM_USER_IDS)`, { chatId, chatType, userId });
    return true;
  };
}

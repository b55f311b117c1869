/**
 * A fake Telegram Bot API server on loopback (node:http), for the bot's tests.
 *
 * It speaks the wire as grammY uses it: POST `/bot<TOKEN>/<method>` with a
 * JSON body (multipart for sendPhoto), answers `{ok, result}` or
 * `{ok:false, error_code, description, parameters?}`. It records every call,
 * scripts getUpdates (long polling with offset confirmation, as Telegram does)
 * and refuses what Telegram refuses: a bad token (401), text over 4096
 * characters or with HTML it cannot parse (400), a second answer to one
 * callback query (400), an edit that changes nothing (400). A test can script
 * the next answers of a method (429 with retry_after, 401, 500) or close the
 * server (unreachable) and open it again on the same port.
 *
 * Webhook mode as Telegram runs it: setWebhook (https only, Telegram's ports,
 * a host it can resolve: see `resolve`) records the URL and secret, getUpdates
 * then answers 409, and each update is POSTed to the URL with the secret in
 * X-Telegram-Bot-Api-Secret-Token, retried until the relay answers 2xx (one
 * at a time, in order: max_connections 1). deleteWebhook goes back to polling.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  first_name?: string;
}
export interface FakeUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  username?: string;
}
export const privateChat = (id: number): FakeChat => ({ id, type: 'private', first_name: `user${id}` });
export const groupChat = (id: number): FakeChat => ({ id, type: 'supergroup', title: `group ${id}` });
export const user = (id: number): FakeUser => ({ id, is_bot: false, first_name: `user${id}` });

export interface RecordedCall {
  method: string;
  /** The token in the URL, as sent (tests check it never shows elsewhere). */
  token: string;
  params: Record<string, any>;
  /** HTTP status the fake answered (0 while a long poll is still open). */
  status: number;
  /** performance.now() when the call arrived. */
  at: number;
}

/** A scripted answer for the next call of a method. */
export type ScriptedAnswer = { status: 429; retryAfter: number } | { status: 401 } | { status: 500 } | { status: 400; description: string };

/** One POST of an update to the webhook: the HTTP status the relay answered (0: no connection). */
export interface WebhookDelivery {
  update_id: number;
  status: number;
  at: number;
}

export interface FakeMessage {
  message_id: number;
  chat: FakeChat;
  from: FakeUser;
  date: number;
  text?: string;
  caption?: string;
  /** For sendPhoto: the bytes received. */
  photoBytes?: number;
  reply_markup?: { inline_keyboard: { text: string; callback_data?: string }[][] };
  /** Every text the message had, oldest first (edits append). */
  history: string[];
}

const BOT_USER: FakeUser = { id: 7000000001, is_bot: true, first_name: 'TradeGuard', username: 'tradeguard_test_bot' };
const HTML_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'a', 'tg-spoiler', 'span', 'blockquote', 'tg-emoji']);

export class FakeBotApi {
  readonly calls: RecordedCall[] = [];
  /** Messages the bot sent, by chat id, as they stand after edits. */
  readonly sent = new Map<number, FakeMessage[]>();
  private server: Server | null = null;
  private port = 0;
  private nextUpdateId = 500_000;
  private nextMessageId = 1;
  private nextQueryId = 1;
  private updates: any[] = [];
  private poll: { wake: () => void } | null = null;
  private scripts = new Map<string, ScriptedAnswer[]>();
  private answeredQueries = new Set<string>();
  private openQueries = new Set<string>();
  private listeners = new Set<() => void>();
  private validToken: string;
  /** The webhook Telegram would deliver to, as the last setWebhook left it (null: long polling). */
  webhook: { url: string; secret: string | null; allowedUpdates: string[] | null } | null = null;
  readonly deliveries: WebhookDelivery[] = [];
  /** Wait before delivering an update again after the relay did not take it (Telegram backs off longer). */
  redeliverMs = 50;
  private hosts = new Map<string, () => string | null>();
  private delivering = false;

  private constructor(token: string) {
    this.validToken = token;
  }

  static async start(token: string): Promise<FakeBotApi> {
    const f = new FakeBotApi(token);
    await f.listen(0);
    return f;
  }

  /** The apiRoot for grammY (no trailing slash). */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Telegram stops accepting the token (revoked in @BotFather): every later call answers 401. */
  revokeToken(): void {
    this.validToken = '(revoked)';
  }

  /**
   * What the public origin's DNS and TLS proxy are in a test: the https
   * `publicOrigin` is reachable (setWebhook accepts it) and its requests go to
   * `to()` (the relay's local http origin, null while it is not known yet).
   */
  resolve(publicOrigin: string, to: () => string | null): void {
    this.hosts.set(new URL(publicOrigin).origin, to);
  }

  /** The next calls of `method` get these answers, one each, before normal service resumes. */
  script(method: string, ...answers: ScriptedAnswer[]): void {
    this.scripts.set(method, [...(this.scripts.get(method) ?? []), ...answers]);
  }

  // ---- scripted updates -------------------------------------------------

  /** A message with a bot_command entity over its leading '/word' (and '@bot' suffix), as Telegram sends it. */
  command(chat: FakeChat, text: string, from: FakeUser = user(chat.id)): number {
    const head = /^\/\S+/.exec(text);
    return this.message(chat, text, from, head ? [{ type: 'bot_command', offset: 0, length: head[0].length }] : []);
  }

  /** A plain text message. */
  message(chat: FakeChat, text: string, from: FakeUser = user(chat.id), entities: unknown[] = []): number {
    const message = { message_id: this.nextMessageId++, date: Math.floor(Date.now() / 1000), chat, from, text, ...(entities.length ? { entities } : {}) };
    return this.push({ message });
  }

  /**
   * Presses the inline button labelled `label` on the bot's latest message in
   * the chat that has one; returns the callback query id.
   */
  press(chat: FakeChat, label: string, from: FakeUser = user(chat.id), messageId?: number): string {
    const msgs = (this.sent.get(chat.id) ?? []).filter((m) => (messageId === undefined ? true : m.message_id === messageId));
    for (let i = msgs.length - 1; i >= 0; i--) {
      const button = msgs[i].reply_markup?.inline_keyboard.flat().find((b) => b.text === label);
      if (button) return this.pressData(chat, msgs[i], button.callback_data!, from);
    }
    throw new Error(`no button "${label}" in chat ${chat.id}: ${JSON.stringify(msgs.map((m) => m.reply_markup))}`);
  }

  /** A callback query with this data on this message (a button pressed again, or a forged one). */
  pressData(chat: FakeChat, msg: FakeMessage, data: string, from: FakeUser = user(chat.id)): string {
    const id = `q${this.nextQueryId++}`;
    this.openQueries.add(id);
    const { history: _h, photoBytes: _p, ...message } = msg;
    this.push({ callback_query: { id, from, chat_instance: `ci${chat.id}`, data, message: { ...message, chat } } });
    return id;
  }

  private push(u: Record<string, unknown>): number {
    const update_id = this.nextUpdateId++;
    this.updates.push({ update_id, ...u });
    this.poll?.wake();
    void this.deliver();
    return update_id;
  }

  /** Updates not yet confirmed by an offset. */
  pending(): number {
    return this.updates.length;
  }

  // ---- what the bot did ---------------------------------------------------

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  messages(chatId: number): FakeMessage[] {
    return this.sent.get(chatId) ?? [];
  }

  /** Resolves when a recorded call satisfies `pred` (checked on every new call), or rejects after `timeoutMs`. */
  waitFor(pred: (calls: RecordedCall[]) => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (pred(this.calls)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!pred(this.calls)) return;
        this.listeners.delete(check);
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`fake Bot API: timed out waiting for ${what}; calls: ${this.calls.map((c) => `${c.method}:${c.status}`).join(' ')}`));
      }, timeoutMs);
      this.listeners.add(check);
    });
  }

  // ---- lifecycle ------------------------------------------------------------

  private listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Unreachable: the port refuses connections until `reopen`; open long polls are cut. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    this.poll?.wake();
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  async reopen(): Promise<void> {
    await this.listen(this.port);
  }

  // ---- the wire -------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec((req.url ?? '').split('?')[0]);
    const body = await readBody(req);
    const call: RecordedCall = { method: m?.[2] ?? req.url ?? '', token: m ? decodeURIComponent(m[1]) : '', params: {}, status: 0, at: performance.now() };
    let unparsable: unknown = null;
    try {
      call.params = await parseParams(req, body);
    } catch (e) {
      unparsable = e;
    }
    // Recorded with its parameters, before it is answered (a long poll stays open with status 0).
    this.calls.push(call);
    for (const l of [...this.listeners]) l();
    const answer = (status: number, json: unknown) => {
      call.status = status;
      if (!res.writableEnded && !res.destroyed) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(json));
      }
      for (const l of [...this.listeners]) l();
    };
    const fail = (code: number, description: string, parameters?: object) => answer(code, { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) });
    if (unparsable) return fail(400, `Bad Request: ${String(unparsable)}`);
    if (!m) return fail(404, 'Not Found');
    if (call.token !== this.validToken) return fail(401, 'Unauthorized');
    const scripted = this.scripts.get(call.method)?.shift();
    if (scripted) {
      if (scripted.status === 429) return fail(429, `Too Many Requests: retry after ${scripted.retryAfter}`, { retry_after: scripted.retryAfter });
      if (scripted.status === 401) return fail(401, 'Unauthorized');
      if (scripted.status === 500) return fail(500, 'Internal Server Error');
      return fail(400, scripted.description);
    }
    const r = await this.method(call.method, call.params, res);
    if ('error' in r) return fail(r.error[0], r.error[1]);
    answer(200, { ok: true, result: r.result });
  }

  private async method(method: string, p: Record<string, any>, res: ServerResponse): Promise<{ result: unknown } | { error: [number, string] }> {
    switch (method) {
      case 'getMe':
        return { result: { ...BOT_USER, can_join_groups: true, can_read_all_group_messages: false, supports_inline_queries: false } };
      case 'deleteWebhook':
        if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.updates = [];
        this.webhook = null;
        return { result: true };
      case 'setWebhook':
        return this.setWebhook(p);
      case 'getWebhookInfo':
        return { result: { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.webhook ? this.updates.length : 0 } };
      case 'setMyCommands': {
        const cmds = typeof p.commands === 'string' ? JSON.parse(p.commands) : p.commands;
        if (!Array.isArray(cmds) || cmds.length > 100) return { error: [400, 'Bad Request: commands must be an array of at most 100'] };
        for (const c of cmds) {
          if (!/^[a-z0-9_]{1,32}$/.test(c.command)) return { error: [400, 'Bad Request: BOT_COMMAND_INVALID'] };
          if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 256) return { error: [400, 'Bad Request: BOT_COMMAND_DESCRIPTION_INVALID'] };
        }
        return { result: true };
      }
      case 'getUpdates':
        if (this.webhook) return { error: [409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"] };
        return { result: await this.getUpdates(p, res) };
      case 'sendMessage': {
        const bad = checkText(p.text, p.parse_mode) ?? checkMarkup(p.reply_markup);
        if (bad) return { error: [400, bad] };
        return { result: this.store(Number(p.chat_id), { text: p.text, reply_markup: markup(p.reply_markup) }) };
      }
      case 'sendPhoto': {
        // grammY sends the file as its own part and the field as 'attach://<part name>'.
        const ref = typeof p.photo === 'string' && p.photo.startsWith('attach://') ? p[p.photo.slice('attach://'.length)] : p.photo;
        if (!(ref instanceof Uint8Array)) return { error: [400, 'Bad Request: there is no photo in the request'] };
        const bytes = ref;
        if (bytes.length < 8 || bytes[0] !== 0x89 || bytes[1] !== 0x50) return { error: [400, 'Bad Request: IMAGE_PROCESS_FAILED'] };
        if (p.caption !== undefined) {
          const bad = checkText(p.caption, p.parse_mode, 1024);
          if (bad) return { error: [400, bad] };
        }
        return { result: this.store(Number(p.chat_id), { caption: p.caption, photoBytes: bytes.length }) };
      }
      case 'editMessageText': {
        const msg = this.messages(Number(p.chat_id)).find((x) => x.message_id === Number(p.message_id));
        if (!msg) return { error: [400, 'Bad Request: message to edit not found'] };
        const bad = checkText(p.text, p.parse_mode) ?? checkMarkup(p.reply_markup);
        if (bad) return { error: [400, bad] };
        const next = markup(p.reply_markup);
        if (msg.text === p.text && JSON.stringify(msg.reply_markup) === JSON.stringify(next)) return { error: [400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'] };
        msg.text = p.text;
        msg.reply_markup = next;
        msg.history.push(p.text);
        return { result: publicMessage(msg) };
      }
      case 'answerCallbackQuery': {
        const id = String(p.callback_query_id);
        if (!this.openQueries.has(id) || this.answeredQueries.has(id)) return { error: [400, 'Bad Request: query is too old and response timeout expired or query ID is invalid'] };
        this.answeredQueries.add(id);
        return { result: true };
      }
      default:
        return { error: [404, 'Not Found: method not found'] };
    }
  }

  /** Telegram's checks on a webhook: https, its ports, a host it resolves, a secret in its alphabet. */
  private setWebhook(p: Record<string, any>): { result: true } | { error: [number, string] } {
    let u: URL;
    try {
      u = new URL(String(p.url));
    } catch {
      return { error: [400, 'Bad Request: bad webhook: invalid URL'] };
    }
    if (u.protocol !== 'https:') return { error: [400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook'] };
    if (!['', '443', '80', '88', '8443'].includes(u.port)) return { error: [400, 'Bad Request: bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443'] };
    if (!this.hosts.has(u.origin)) return { error: [400, 'Bad Request: bad webhook: Failed to resolve host: Name or service not known'] };
    const secret = p.secret_token === undefined ? null : String(p.secret_token);
    if (secret !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secret)) return { error: [400, 'Bad Request: secret token contains unallowed characters'] };
    if (p.drop_pending_updates === true || p.drop_pending_updates === 'true') this.updates = [];
    const allowed = typeof p.allowed_updates === 'string' ? JSON.parse(p.allowed_updates) : p.allowed_updates;
    this.webhook = { url: u.href, secret, allowedUpdates: Array.isArray(allowed) ? allowed : null };
    // A long poll still open ends (Telegram answers it with the conflict on the next call).
    this.poll?.wake();
    queueMicrotask(() => void this.deliver());
    return { result: true };
  }

  /** Webhook delivery: the oldest update first, POSTed until the relay answers 2xx. */
  private async deliver(): Promise<void> {
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.webhook && this.updates.length > 0 && this.server) {
        const hook = this.webhook;
        const update = this.updates[0];
        const u = new URL(hook.url);
        const local = this.hosts.get(u.origin)?.();
        let status = 0;
        if (local) {
          try {
            const r = await fetch(`${local}${u.pathname}${u.search}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', ...(hook.secret !== null ? { 'X-Telegram-Bot-Api-Secret-Token': hook.secret } : {}) },
              body: JSON.stringify(update),
            });
            status = r.status;
            await r.body?.cancel();
          } catch {
            status = 0;
          }
        }
        this.deliveries.push({ update_id: update.update_id, status, at: performance.now() });
        for (const l of [...this.listeners]) l();
        if (status >= 200 && status < 300) {
          if (this.updates[0] === update) this.updates.shift();
        } else await new Promise((r) => setTimeout(r, this.redeliverMs));
      }
    } finally {
      this.delivering = false;
    }
  }

  /** Long polling: confirm updates below `offset`, answer what is pending at once or wait up to `timeout` seconds for some. */
  private async getUpdates(p: Record<string, any>, res: ServerResponse): Promise<unknown[]> {
    const offset = Number(p.offset ?? 0);
    const limit = Math.min(100, Math.max(1, Number(p.limit ?? 100)));
    if (offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const timeout = Number(p.timeout ?? 0);
    if (this.updates.length === 0 && timeout > 0) {
      await new Promise<void>((resolve) => {
        const me = { wake: () => finish() };
        const t = setTimeout(() => finish(), timeout * 1000);
        const finish = () => {
          clearTimeout(t);
          if (this.poll === me) this.poll = null;
          res.off('close', finish);
          resolve();
        };
        // One poll at a time, as Telegram: a newer getUpdates ends the older one (here it answers empty).
        this.poll?.wake();
        this.poll = me;
        res.once('close', finish);
      });
      if (res.destroyed) return [];
    }
    return this.updates.slice(0, limit);
  }

  private store(chatId: number, content: Partial<FakeMessage>): object {
    const list = this.sent.get(chatId) ?? [];
    this.sent.set(chatId, list);
    const chat: FakeChat = chatId < 0 ? groupChat(chatId) : privateChat(chatId);
    const msg: FakeMessage = { message_id: this.nextMessageId++, chat, from: BOT_USER, date: Math.floor(Date.now() / 1000), history: [content.text ?? content.caption ?? ''], ...content };
    list.push(msg);
    return publicMessage(msg);
  }
}

function publicMessage(m: FakeMessage): object {
  const { history: _h, photoBytes: _p, ...rest } = m;
  return rest;
}

function markup(m: unknown): FakeMessage['reply_markup'] {
  if (m === undefined) return undefined;
  const v = typeof m === 'string' ? JSON.parse(m) : m;
  return v?.inline_keyboard ? v : undefined;
}

/** Telegram's limit: 1-64 bytes of callback data per button. */
function checkMarkup(m: unknown): string | null {
  const k = markup(m);
  for (const b of k?.inline_keyboard.flat() ?? []) {
    const n = Buffer.byteLength(b.callback_data ?? '');
    if (n < 1 || n > 64) return 'Bad Request: BUTTON_DATA_INVALID';
  }
  return null;
}

/**
 * What Telegram refuses in a text: empty, over the limit after entities are
 * parsed, or (parse_mode HTML) a '<', '>' or '&' that is not part of a
 * supported tag or an entity.
 */
export function checkText(text: unknown, parseMode: unknown, limit = 4096): string | null {
  if (typeof text !== 'string' || text.length === 0) return 'Bad Request: message text is empty';
  let visible = text;
  if (parseMode === 'HTML') {
    const stack: string[] = [];
    let plain = '';
    for (let i = 0; i < text.length; ) {
      const c = text[i];
      if (c === '<') {
        const m = /^<(\/?)([a-z-]+)((?:\s+[a-z-]+(?:="[^"<>]*")?)*)\s*>/i.exec(text.slice(i));
        if (!m || !HTML_TAGS.has(m[2].toLowerCase())) return `Bad Request: can't parse entities: Unsupported start tag "${(m?.[2] ?? text.slice(i + 1, i + 10)).split(/[\s>]/)[0]}" at byte offset ${i}`;
        if (m[1]) {
          if (stack.pop() !== m[2].toLowerCase()) return `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${stack.at(-1) ?? ''}>", found "</${m[2]}>"`;
        } else stack.push(m[2].toLowerCase());
        i += m[0].length;
      } else if (c === '&') {
        const m = /^&(lt|gt|amp|quot|#\d+|#x[0-9a-f]+);/i.exec(text.slice(i));
        if (!m) return `Bad Request: can't parse entities: Character entity expected at byte offset ${i}`;
        plain += 'x';
        i += m[0].length;
      } else if (c === '>') {
        return `Bad Request: can't parse entities: Unexpected end tag at byte offset ${i}`;
      } else {
        plain += c;
        i++;
      }
    }
    if (stack.length) return `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`;
    visible = plain;
  }
  if (visible.trim().length === 0) return 'Bad Request: message text is empty';
  if (visible.length > limit) return limit === 4096 ? 'Bad Request: message is too long' : 'Bad Request: message caption is too long';
  return null;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** JSON, multipart (files as Buffers) or url-encoded parameters, or the query string. */
async function parseParams(req: IncomingMessage, body: Buffer): Promise<Record<string, any>> {
  const type = req.headers['content-type'] ?? '';
  const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  if (body.length === 0) return query;
  if (type.startsWith('application/json')) return { ...query, ...JSON.parse(body.toString('utf8')) };
  if (type.startsWith('application/x-www-form-urlencoded')) return { ...query, ...Object.fromEntries(new URLSearchParams(body.toString('utf8'))) };
  const boundary = /^multipart\/form-data;\s*boundary=(.+)$/.exec(type)?.[1];
  if (boundary) return { ...query, ...parseMultipart(body, boundary) };
  throw new Error(`unsupported content type "${type}"`);
}

/** multipart/form-data as grammY writes it: text fields as strings, file parts (with a filename) as bytes. */
function parseMultipart(body: Buffer, boundary: string): Record<string, string | Uint8Array> {
  const out: Record<string, string | Uint8Array> = {};
  const delim = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delim);
  while (at >= 0) {
    let start = at + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    start += 2; // CRLF after the boundary
    const next = body.indexOf(delim, start);
    if (next < 0) throw new Error('multipart body without a closing boundary');
    const part = body.subarray(start, next - 2); // CRLF before the next boundary
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const data = part.subarray(split + 4);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined) throw new Error(`multipart part without a name: ${head}`);
    out[name] = /filename=/i.test(head) ? new Uint8Array(data) : data.toString('utf8');
    at = next;
  }
  return out;
}

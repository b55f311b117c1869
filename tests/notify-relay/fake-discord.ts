import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Discord webhook on loopback: POST /api/webhooks/<id>/<token> recorded with
 * its body (JSON, or multipart's payload_json and files), answered 200 with the
 * created message (as `wait=true` does) unless scripted otherwise. down() closes
 * the listener and every connection (connection refused, as an unreachable
 * host); up() listens on the same port again.
 */
export interface DiscordCall {
  /** The test's clock when the request arrived. */
  at: number;
  path: string;
  query: URLSearchParams;
  contentType: string;
  /** The message as sent: the JSON body, or payload_json of a multipart body. */
  payload: { content?: string; flags?: number; username?: string; allowed_mentions?: unknown; attachments?: unknown };
  files: { field: string; name: string; type: string; bytes: Buffer }[];
  status: number;
}

export interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface FakeDiscord {
  url: string;
  id: string;
  token: string;
  /** Every request that reached the server, answered or not. */
  calls: DiscordCall[];
  /** The messages Discord would show: calls answered 2xx. */
  delivered(): DiscordCall[];
  /** The next answers, in order; after them every call gets 200. */
  script(...answers: Answer[]): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeDiscord(o: { now: () => number; id?: string; token?: string }): Promise<FakeDiscord> {
  const id = o.id ?? '112233445566778899';
  const token = o.token ?? 'wHk_Secret-token-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP';
  const calls: DiscordCall[] = [];
  const answers: Answer[] = [];
  let messageId = 1000;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url ?? '/', 'http://fake');
      const contentType = req.headers['content-type'] ?? '';
      const call: DiscordCall = { at: o.now(), path: u.pathname, query: u.searchParams, contentType, payload: {}, files: [], status: 0 };
      if (contentType.startsWith('multipart/form-data')) {
        const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
        for (const [field, v] of form.entries()) {
          if (typeof v === 'string') {
            if (field === 'payload_json') call.payload = JSON.parse(v) as DiscordCall['payload'];
          } else call.files.push({ field, name: v.name, type: v.type, bytes: Buffer.from(await v.arrayBuffer()) });
        }
      } else if (raw.length) call.payload = JSON.parse(raw.toString('utf8')) as DiscordCall['payload'];
      const known = u.pathname === `/api/webhooks/${id}/${token}` && req.method === 'POST';
      const a: Answer = known ? (answers.shift() ?? { status: 200, body: { id: String(messageId++), content: call.payload.content, flags: call.payload.flags ?? 0 } }) : { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
      call.status = a.status;
      calls.push(call);
      const body = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
      res.writeHead(a.status, { 'content-type': typeof a.body === 'string' ? 'text/html' : 'application/json', ...a.headers });
      res.end(body);
    });
  });
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  await listen(0);
  const port = (server.address() as AddressInfo).port;
  let listening = true;
  const down = async () => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  };
  return {
    url: `http://127.0.0.1:${port}/api/webhooks/${id}/${token}`,
    id,
    token,
    calls,
    delivered: () => calls.filter((c) => c.status >= 200 && c.status < 300),
    script: (...a) => void answers.push(...a),
    down,
    async up() {
      if (listening) return;
      await listen(port);
      listening = true;
    },
    close: down,
  };
}

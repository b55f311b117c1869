import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../bin/tradeguard.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  token: string;
  out: () => string;
  exited: Promise<number | null>;
}

/** `tradeguard serve` in a child process on a free port; resolves once it prints its login link. */
export function spawnServe(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--no-build', '--port', '0', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  child.stdout!.on('data', (d) => (text += d));
  child.stderr!.on('data', (d) => (text += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start in ${timeoutMs} ms:\n${text}`)), timeoutMs);
    const check = () => {
      const m = /Open (http:\/\/[^/\s]+)\/#login=([A-Za-z0-9_-]+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1], token: m[2], out: () => text, exited });
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(Object.assign(new Error(`serve exited with ${code}:\n${text}`), { code, text }));
    });
  });
}

/** Runs `serve` expecting it to refuse to start; returns its exit code and output. */
export function serveRefusal(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; text: string }> {
  return spawnServe(args, env, 60_000).then(
    (p) => {
      p.child.kill('SIGKILL');
      throw new Error(`serve started but should have refused:\n${p.out()}`);
    },
    (e: { code?: number | null; text?: string }) => ({ code: e.code ?? null, text: e.text ?? String(e) }),
  );
}

export async function bearerFor(url: string, token: string): Promise<string> {
  const r = await fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token, bearer: true }) });
  if (!r.ok) throw new Error(`login: ${r.status}`);
  return ((await r.json()) as { bearer: string }).bearer;
}

export async function statusOf(url: string, bearer: string): Promise<{ lastSeq: number; feed: { state: string; message: string; done: number } }> {
  const r = await fetch(`${url}/api/status`, { headers: { authorization: `Bearer ${bearer}` } });
  return (await r.json()) as never;
}

import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Context } from 'hono';

/** Content types of what a built PWA holds (the relay and the test harness serve dist/ with them). */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/**
 * The built PWA from `dir` (vite's dist/). Unknown paths without an extension
 * get index.html (client-side routes); paths escaping `dir` are refused.
 * Hashed assets are cached for a year, the rest revalidated.
 */
export function serveDist(dir: string | null) {
  return async (c: Context): Promise<Response> => {
    if (!dir) return c.text('The PWA is not built (dist/ is missing); the API is up. Run `npx vite build`, or `tradeguard serve` without --no-build.', 404);
    let rel: string;
    try {
      rel = decodeURIComponent(c.req.path);
    } catch {
      return c.text('bad path', 400);
    }
    if (rel.includes('\0')) return c.text('bad path', 400);
    const full = normalize(join(dir, rel));
    if (full !== dir && !full.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return c.text('not found', 404);
    let file = full;
    const st = await stat(file).catch(() => null);
    if (!st || st.isDirectory()) file = st?.isDirectory() ? join(full, 'index.html') : extname(full) ? '' : join(dir, 'index.html');
    const body = file ? await readFile(file).catch(() => null) : null;
    if (!body) return c.text('not found', 404);
    const hashed = /\/assets\//.test(file);
    return c.body(new Uint8Array(body), 200, {
      'Content-Type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
  };
}

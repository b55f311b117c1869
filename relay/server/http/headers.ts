import type { MiddlewareHandler } from 'hono';

/**
 * The PWA loads only from this origin; ONNX Runtime needs WebAssembly
 * compilation ('wasm-unsafe-eval') and, for threads, cross-origin isolation
 * (COOP + COEP). Nothing may frame the cockpit (clickjacking a "close all").
 * 'unsafe-eval': protobufjs (the ONNX and cTrader codecs) compiles its
 * decoders with `new Function`; without it the engine cannot read a model.
 * It can go once those codecs are generated ahead of time (pbjs static code).
 */
export const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "worker-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function securityHeaders(opts: { https: boolean }): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const h = c.res.headers;
    h.set('Content-Security-Policy', CSP);
    h.set('X-Content-Type-Options', 'nosniff');
    h.set('Referrer-Policy', 'no-referrer');
    h.set('X-Frame-Options', 'DENY');
    h.set('Cross-Origin-Opener-Policy', 'same-origin');
    h.set('Cross-Origin-Embedder-Policy', 'require-corp');
    h.set('Cross-Origin-Resource-Policy', 'same-origin');
    h.set('Permissions-Policy', 'camera=(), microphone=(), geolocation=(), payment=()');
    if (opts.https) h.set('Strict-Transport-Security', 'max-age=31536000');
    if (c.req.path.startsWith('/api/') || c.req.path === '/metrics' || c.req.path.startsWith('/health')) h.set('Cache-Control', 'no-store');
  };
}

/**
 * Cross-origin requests are refused outright, sockets included (browsers do
 * not apply CORS to WebSockets, so a page elsewhere could otherwise drive the
 * API with the user's cookie). Requests without an Origin (curl, scripts,
 * same-origin GETs) pass on to authentication. An allowed origin gets the
 * CORS headers it needs for a preflight.
 */
export function originGuard(allowed: () => string[]): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header('origin');
    if (origin === undefined) return next();
    if (!allowed().includes(origin)) return c.json({ error: 'forbidden', field: 'Origin', message: `origin ${origin.slice(0, 100)} may not use this relay` }, 403);
    if (c.req.method === 'OPTIONS') {
      return c.body(null, 204, {
        'Access-Control-Allow-Origin': origin,
        'Access-Control-Allow-Credentials': 'true',
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization',
        'Access-Control-Max-Age': '600',
        Vary: 'Origin',
      });
    }
    await next();
    c.res.headers.set('Access-Control-Allow-Origin', origin);
    c.res.headers.set('Access-Control-Allow-Credentials', 'true');
    c.res.headers.append('Vary', 'Origin');
  };
}

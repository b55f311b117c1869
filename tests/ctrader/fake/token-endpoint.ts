import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTokenEndpoint {
  /** http://127.0.0.1:port/apps/token */
  url: string;
  /** Every call, in order (the query parameters: grant_type, code or refresh_token, client id and secret). */
  calls: URLSearchParams[];
  /** An authorisation code cTrader would put on the redirect (valid once). */
  issueCode(code: string): void;
  /** A refresh token the endpoint accepts once (a grant made before the test). */
  acceptRefresh(token: string): void;
  close(): Promise<void>;
}

/**
 * cTrader's OAuth token endpoint over real HTTP on loopback: GET with query
 * parameters, JSON answers as openapi.ctrader.com/apps/token gives them.
 * Codes and refresh tokens are single-use: a used refresh token is invalid.
 * `onIssue` sees each new access token (to let a fake cTrader server accept it).
 */
export async function fakeTokenEndpoint(o: { clientId: string; clientSecret: string; redirectUri?: string; onIssue?: (accessToken: string) => void; prefix?: string }): Promise<FakeTokenEndpoint> {
  const calls: URLSearchParams[] = [];
  const codes = new Set<string>();
  const refreshTokens = new Set<string>();
  let n = 0;
  const issue = () => {
    n++;
    const accessToken = `${o.prefix ?? 'ACCESS'}-${n}-fake-access-token`;
    const refreshToken = `${o.prefix ?? 'ACCESS'}-${n}-fake-refresh-token`;
    refreshTokens.add(refreshToken);
    o.onIssue?.(accessToken);
    return { accessToken, tokenType: 'bearer', expiresIn: 2_628_000, refreshToken };
  };
  const server = createServer((req, res) => {
    const q = new URL(req.url ?? '/', 'http://x').searchParams;
    calls.push(q);
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (q.get('client_id') !== o.clientId || q.get('client_secret') !== o.clientSecret) return json(401, { errorCode: 'ACCESS_DENIED', description: 'bad client' });
    if (q.get('grant_type') === 'authorization_code') {
      if ((o.redirectUri !== undefined && q.get('redirect_uri') !== o.redirectUri) || !codes.delete(q.get('code') ?? '')) return json(400, { errorCode: 'invalid_grant', description: 'code expired' });
      return json(200, issue());
    }
    if (q.get('grant_type') === 'refresh_token') {
      if (!refreshTokens.delete(q.get('refresh_token') ?? '')) return json(400, { errorCode: 'invalid_grant', description: 'refresh token used' });
      return json(200, issue());
    }
    return json(400, { errorCode: 'unsupported_grant_type' });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/apps/token`,
    calls,
    issueCode: (code) => void codes.add(code),
    acceptRefresh: (token) => void refreshTokens.add(token),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

import WebSocket from 'ws';
import { RelayClient } from '../../app/remote/relay-client.ts';
import { RELAY_TOKEN } from './helpers.ts';

/** The PWA's relay client as a browser tab uses it, with the relay token as its credential (Node has no cookie jar). */
export class TokenClient extends RelayClient {
  override json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return super.json<T>(path, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization: `Bearer ${RELAY_TOKEN}` } });
  }
}

/** The browser's WebSocket, played by `ws` with the same bearer. */
export class TokenSocket extends WebSocket {
  constructor(url: string | URL) {
    super(url, { headers: { authorization: `Bearer ${RELAY_TOKEN}` } });
    // As a browser's WebSocket: an error (closed while connecting) is an event followed by close, never a thrown exception.
    this.on('error', () => {});
  }
}

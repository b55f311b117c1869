import { decodeMessage, encodeMessage } from '../../workers/brokers/ctrader/codec.ts';
import type { CTraderTransport } from '../../workers/brokers/ctrader/transport.ts';

/** The browser's end of the tunnel (a WebSocket accepted by the relay), one ProtoMessage per frame. */
export interface TunnelPeer {
  send(message: Uint8Array): void;
  close(reason: string): void;
  onMessage(handler: (message: Uint8Array) => void): void;
  onClose(handler: () => void): void;
}

export interface TunnelOptions {
  /** A fresh connection to cTrader for this browser session (NodeSocketTransport to demo or live). */
  upstream: () => CTraderTransport;
  credentials: { clientId: string; clientSecret: string };
  /**
   * The relay's access token (CTraderTokenManager.accessToken): when given, the
   * token in the browser's account requests is replaced by it, so the browser
   * runs with a placeholder and never holds the token either.
   */
  accessToken?: () => Promise<string>;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const APP_AUTH_REQ = 2100;
const APP_AUTH_RES = 2101;
/** Requests that carry the access token. */
const WITH_TOKEN = new Set(['ProtoOAAccountAuthReq', 'ProtoOAGetAccountListByAccessTokenReq']);

/**
 * Relays a browser's cTrader session and authenticates the application on its
 * behalf, so the client secret never leaves the relay. The browser connects
 * with WebSocketTransport to the tunnel URL and no credentials; everything
 * else (account auth with the user's token, orders, spots) passes through
 * unchanged, frame for frame. The tunnel closes both ends together.
 */
export function attachCTraderTunnel(peer: TunnelPeer, o: TunnelOptions): void {
  const up = o.upstream();
  let open = false;
  let closed = false;
  const held: Uint8Array[] = [];
  const authId = `tunnel-auth-${Math.random().toString(36).slice(2)}`;
  const shut = (why: string) => {
    if (closed) return;
    closed = true;
    up.close(why);
    peer.close(why);
  };
  peer.onClose(() => shut('browser left'));
  up.onClose((why) => shut(`cTrader connection closed: ${why}`));
  // Browser frames keep their order even while a token is being looked up.
  let chain: Promise<void> = Promise.resolve();
  const forward = (m: Uint8Array) => {
    if (open) up.send(m);
    else held.push(m);
  };
  peer.onMessage((m) => {
    let msg: ReturnType<typeof decodeMessage> | null = null;
    try {
      msg = decodeMessage(m);
    } catch {
      // Malformed frames go through: cTrader answers them as it would any client.
    }
    // The browser holds no secret; an application auth of its own is not forwarded.
    if (msg?.payloadType === APP_AUTH_REQ) return;
    const token = o.accessToken;
    if (!token || !msg || !WITH_TOKEN.has(msg.name)) {
      chain = chain.then(() => forward(m));
      return;
    }
    const withToken = msg;
    chain = chain.then(async () => {
      try {
        forward(encodeMessage(withToken.name, { ...withToken.payload, accessToken: await token() }, withToken.clientMsgId));
      } catch (e) {
        o.log?.('error', `tunnel has no cTrader token: ${(e as Error).message}`);
        shut('no cTrader token on the relay');
      }
    });
  });
  up.onMessage((m) => {
    if (!open) {
      let res: ReturnType<typeof decodeMessage> | null = null;
      try {
        res = decodeMessage(m);
      } catch {
        /* not the auth answer */
      }
      if (res && res.clientMsgId === authId) {
        if (res.payloadType !== APP_AUTH_RES) {
          o.log?.('error', `cTrader refused the application: ${String(res.payload.errorCode ?? res.payloadType)}`);
          peer.send(m);
          return shut('application auth refused');
        }
        open = true;
        for (const h of held.splice(0)) up.send(h);
        return;
      }
    }
    // The account list echoes the token it was asked with: the browser gets the placeholder back instead.
    if (o.accessToken && m.length > 2) {
      try {
        const res = decodeMessage(m);
        if (res.name === 'ProtoOAGetAccountListByAccessTokenRes') return peer.send(encodeMessage(res.name, { ...res.payload, accessToken: 'held-by-the-relay' }, res.clientMsgId));
      } catch {
        /* passed through as is */
      }
    }
    peer.send(m);
  });
  up.connect().then(
    () => {
      if (closed) return up.close('browser left');
      up.send(encodeMessage('ProtoOAApplicationAuthReq', { ...o.credentials }, authId));
    },
    (e: Error) => {
      o.log?.('warn', `tunnel cannot reach cTrader: ${e.message}`);
      shut('cannot reach cTrader');
    },
  );
}

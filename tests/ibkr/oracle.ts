import { Encoder } from '@stoqey/ib/dist/core/io/encoder';
import { Decoder } from '@stoqey/ib/dist/core/io/decoder';
import { Socket } from '@stoqey/ib/dist/core/io/socket';

/**
 * @stoqey/ib (a port of IB's Java client) as the oracle: its Encoder gives the
 * tokens of a request at a server version, its Socket.send the bytes those
 * tokens become, its Decoder reads what a server sends. Tests only.
 */
export function stoqeySocket(serverVersion: number, clientId = 0): { socket: Socket; written: Uint8Array[] } {
  const written: Uint8Array[] = [];
  const socket = new Socket({ emitEvent() {} } as never, { clientId });
  const s = socket as unknown as { _serverVersion: number; client: { write(b: Buffer): void } };
  s._serverVersion = serverVersion;
  s.client = { write: (b: Buffer) => void written.push(new Uint8Array(b)) };
  return { socket, written };
}

/** The bytes @stoqey/ib writes for one request: encode(encoder) -> tokens -> Socket.send. */
export function stoqeyBytes(serverVersion: number, encode: (e: Encoder) => void): Uint8Array {
  const { socket, written } = stoqeySocket(serverVersion);
  const errors: string[] = [];
  const e = new Encoder({ serverVersion, sendMsg: (tokens: unknown[]) => socket.send(tokens as never), emitError: (m: string) => void errors.push(m) } as never);
  encode(e);
  if (errors.length) throw new Error(`@stoqey/ib refused the request: ${errors.join('; ')}`);
  if (written.length !== 1) throw new Error(`@stoqey/ib wrote ${written.length} messages`);
  return written[0];
}

export interface Decoded {
  events: { name: string; args: unknown[] }[];
  infos: { code: number; message: string }[];
  errors: { code: number; message: string; reqId?: number }[];
}

/** Decodes one message's fields with @stoqey/ib's Decoder at a server version. */
export function stoqeyDecode(serverVersion: number, fields: string[]): Decoded {
  const out: Decoded = { events: [], infos: [], errors: [] };
  const d = new Decoder({
    serverVersion,
    emitEvent: (name: string, ...args: unknown[]) => void out.events.push({ name, args }),
    emitError: (message: string, code: number, reqId?: number) => void out.errors.push({ code, message, reqId }),
    emitInfo: (message: string, code: number) => void out.infos.push({ code, message }),
  } as never);
  d.enqueueMessage(fields);
  d.process();
  return out;
}

/** The Decoder's own complaints about a layout: too few fields, too many, or an unknown message. */
export const DECODE_PROBLEM = /Underrun|unprocessed data|No parser|Decoding error/;

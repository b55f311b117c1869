import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type DestinationStream, type Logger as Pino } from 'pino';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  close(): void;
}

export interface RotatingLogOptions {
  dir: string;
  /** File name of the live log; rotated copies are name.1 (newest) .. name.N. */
  name?: string;
  maxBytes: number;
  files: number;
  redact: (v: unknown) => unknown;
  /** The least severe level written (TG_LOG_LEVEL); info by default. */
  level?: LogLevel;
  /** Also echo to the console (serve in a terminal). */
  echo?: (line: string) => void;
  now?: () => number;
}

/**
 * JSON lines through pino (levels, one object a line), into a file rotated by
 * size. pino's destination here is a small synchronous writer: a crash (or
 * SIGKILL) loses no line that was logged before it, and the log is tiny next
 * to the engine's work. Every record passes the redactor before pino sees it.
 */
export function createRotatingLog(o: RotatingLogOptions): Logger & { path: string } {
  const name = o.name ?? 'tradeguard.log';
  const path = join(o.dir, name);
  mkdirSync(o.dir, { recursive: true });
  let fd = openSync(path, 'a');
  let size = fstatSync(fd).size;
  let closed = false;

  const rotate = () => {
    closeSync(fd);
    const last = `${path}.${o.files}`;
    if (existsSync(last)) rmSync(last);
    for (let i = o.files - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'a');
    size = 0;
  };

  const file: DestinationStream = {
    write(line: string) {
      if (closed) return;
      const bytes = Buffer.byteLength(line);
      if (size > 0 && size + bytes > o.maxBytes) rotate();
      writeSync(fd, line);
      size += bytes;
      o.echo?.(line.trimEnd());
    },
  };
  const now = o.now ?? Date.now;
  const logger = levelled(pino({ ...PINO, level: o.level ?? 'info', timestamp: () => `,"time":"${new Date(now()).toISOString()}"` }, file), o.redact, () => {
    if (closed) return;
    closed = true;
    closeSync(fd);
  });
  return Object.assign(logger, { path });
}

/** For tests and embedding: remembers lines in memory (no time field), through pino and redacted the same way. */
export function createMemoryLog(redact: (v: unknown) => unknown = (v) => v, level: LogLevel = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const memory: DestinationStream = { write: (line: string) => void lines.push(line.trimEnd()) };
  return Object.assign(levelled(pino({ ...PINO, level, timestamp: false }, memory), redact, () => {}), { lines });
}

/** The record as it has always been: {time, level: "info", msg, ...fields}, no pid or hostname. */
const PINO = {
  base: null,
  messageKey: 'msg',
  formatters: { level: (label: string) => ({ level: label }) },
};

/**
 * The Logger over pino. The redactor sees msg and fields together (a secret
 * quoted in a message is scrubbed like one in a field), and only for levels
 * that are written.
 */
function levelled(p: Pino, redact: (v: unknown) => unknown, close: () => void): Logger {
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (!p.isLevelEnabled(level)) return;
    const { msg: clean, ...rest } = redact({ ...fields, msg }) as Record<string, unknown>;
    p[level](rest, String(clean));
  };
  return {
    log,
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    close,
  };
}

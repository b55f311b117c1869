import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void;
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
  /** Also echo to the console (serve in a terminal). */
  echo?: (line: string) => void;
  now?: () => number;
}

/**
 * JSON lines, one object a line, rotated by size. Writes are synchronous:
 * a crash (or SIGKILL) loses no line that was logged before it, and the log is
 * tiny next to the engine's work. Everything passes the redactor first.
 */
export function createRotatingLog(o: RotatingLogOptions): Logger & { path: string } {
  const name = o.name ?? 'tradeguard.log';
  const path = join(o.dir, name);
  const now = o.now ?? Date.now;
  mkdirSync(o.dir, { recursive: true });
  let fd = openSync(path, 'a');
  let size = fstatSync(fd).size;

  const rotate = () => {
    closeSync(fd);
    const last = `${path}.${o.files}`;
    if (existsSync(last)) rmSync(last);
    for (let i = o.files - 1; i >= 1; i--) if (existsSync(`${path}.${i}`)) renameSync(`${path}.${i}`, `${path}.${i + 1}`);
    renameSync(path, `${path}.1`);
    fd = openSync(path, 'a');
    size = 0;
  };

  let closed = false;
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => {
    if (closed) return;
    const line = `${JSON.stringify(o.redact({ time: new Date(now()).toISOString(), level, msg, ...fields }))}\n`;
    const bytes = Buffer.byteLength(line);
    if (size > 0 && size + bytes > o.maxBytes) rotate();
    writeSync(fd, line);
    size += bytes;
    o.echo?.(line.trimEnd());
  };
  return {
    path,
    log,
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
    close() {
      if (closed) return;
      closed = true;
      closeSync(fd);
    },
  };
}

/** For tests and embedding: remembers lines in memory, redacted the same way. */
export function createMemoryLog(redact: (v: unknown) => unknown = (v) => v): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: LogLevel, msg: string, fields: Record<string, unknown> = {}) => void lines.push(JSON.stringify(redact({ level, msg, ...fields })));
  return { lines, log, info: (m, f) => log('info', m, f), warn: (m, f) => log('warn', m, f), error: (m, f) => log('error', m, f), close() {} };
}

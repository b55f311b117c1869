/**
 * Reads a message's fields in order. At a fixed server version the layout is
 * exact: running out, or leaving some unread, means malformed or another
 * version (the caller resets the connection).
 */
export class Fields {
  private at = 0;
  constructor(
    private readonly fs: readonly string[],
    readonly name: string,
  ) {}
  str(): string {
    if (this.at >= this.fs.length) throw new Error(`${this.name}: the message ended after ${this.fs.length} fields, more expected: malformed`);
    return this.fs[this.at++];
  }
  int(): number {
    const s = this.str();
    if (s === '') return 0;
    if (!/^-?\d+$/.test(s)) throw new Error(`${this.name}: field ${this.at} is "${s.slice(0, 40)}", not a whole number: malformed`);
    return Number(s);
  }
  num(): number {
    const s = this.str();
    const n = s === '' ? 0 : Number(s);
    if (!Number.isFinite(n)) throw new Error(`${this.name}: field ${this.at} is "${s.slice(0, 40)}", not a number: malformed`);
    return n;
  }
  end(): void {
    if (this.at !== this.fs.length) throw new Error(`${this.name}: ${this.fs.length - this.at} fields left over after field ${this.at}: malformed or another server version`);
  }
}

/** TWS writes non-ASCII text as \uXXXX escapes (ENCODE_MSG_ASCII7). */
export function unescape(s: string): string {
  return s.replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

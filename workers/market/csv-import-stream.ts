/**
 * A bar CSV imported piece by piece, as it is read, for files too large to
 * hold whole: only the bar columns grow with the file. Same layout, rows,
 * checks and report as importBarsCsvBytes over the whole file, bit for bit:
 * the layout is detected from the same first lines, the rows are read by the
 * same loop over each piece's whole lines (the partial last line is carried
 * into the next piece), and the same checks run once every row is in.
 */
import { isBlankBytes } from './csv-scan.ts';
import { Role } from './csv-detect.ts';
import { emptyReport } from './csv-report.ts';
import type { ImportReport } from './csv-report.ts';
import { BarColumns, countLines, readRowsInto, startCursor } from './csv-rows.ts';
import type { RowCursor } from './csv-rows.ts';
import { detectLayoutBytes, endOfLines, finishImport, HEAD_LINES, refuseLayout, startReport } from './csv-import.ts';
import type { FoundLayout, ImportOptions, ImportResult } from './csv-import.ts';

/**
 * How far detectLayout reads into a file: its first non-blank line (the header),
 * the next (the first row), and the 20 lines after it it tries for the time
 * encoding; -1 when `bytes` ends sooner. A byte order mark does not make a line non-blank.
 */
function layoutReach(bytes: Uint8Array): number {
  let p = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let nonBlank = 0;
  for (;;) {
    const nl = bytes.indexOf(10, p);
    if (nl < 0) return -1;
    if (nonBlank < 2 && !isBlankBytes(bytes, p, nl)) nonBlank++;
    p = nl + 1;
    if (nonBlank === 2) {
      const rest = endOfLines(bytes.subarray(p), 20);
      return rest < 0 ? -1 : p + rest;
    }
  }
}

/**
 * The layout importBarsCsvBytes finds in the whole file, from the bytes read so
 * far (the file's start), or null when it needs more of them. Like it, the
 * first HEAD_LINES lines decide; when they refuse, it decides on the whole
 * text, and detectLayout reads no further than layoutReach of it.
 */
function layoutFromStart(bytes: Uint8Array, atEnd: boolean): FoundLayout | { error: string } | null {
  const headEnd = endOfLines(bytes, HEAD_LINES);
  if (headEnd < 0) return atEnd ? detectLayoutBytes(bytes) : null;
  const found = detectLayoutBytes(bytes.subarray(0, headEnd));
  if (!('error' in found)) return found;
  const reach = layoutReach(bytes);
  if (reach < 0) return atEnd ? detectLayoutBytes(bytes) : null;
  return detectLayoutBytes(bytes.subarray(0, reach));
}

/** Bytes read before their line count is taken as a sample of the whole file's. */
const ESTIMATE_FROM = 1 << 20;

export class CsvImportStream {
  /** Bytes received and not read yet: the file's start until the layout is known, then a partial last line. */
  private pending = new Uint8Array(0);
  private held = 0;
  /** Bytes of the file whose lines have been read. */
  private readThrough = 0;
  private found: FoundLayout | null = null;
  private error: string | null = null;
  private readonly report: ImportReport;
  private rows: BarColumns | null = null;
  private cursor: RowCursor | null = null;

  /** `fileBytes`: the file's size when known (0 if not), to size the columns about once instead of growing them. */
  constructor(
    private readonly opts: ImportOptions,
    private readonly fileBytes = 0,
  ) {
    this.report = emptyReport(opts.symbol, opts.skipBadRows === true);
  }

  /** True once the file is refused whatever follows (no layout): the rest need not be read. */
  get refused(): boolean {
    return this.error !== null;
  }

  /**
   * The next piece of the file, in order. Its whole lines are read where they
   * are (only the head and a line cut by the piece's end are copied), and no
   * reference to it is kept: the caller may reuse it.
   */
  push(chunk: Uint8Array): void {
    if (this.error !== null || chunk.length === 0) return;
    if (this.found === null) {
      this.hold(chunk);
      this.readHead(false);
      return;
    }
    let from = 0;
    if (this.held > 0) {
      // The line the previous piece cut, completed.
      const nl = chunk.indexOf(10);
      if (nl < 0) return this.hold(chunk);
      this.hold(chunk.subarray(0, nl + 1));
      this.readLines(this.pending, 0, this.held);
      this.held = 0;
      from = nl + 1;
    }
    const end = Math.max(from, chunk.lastIndexOf(10) + 1);
    this.readLines(chunk, from, end);
    this.hold(chunk.subarray(end));
  }

  /** The import, once the whole file has been pushed. */
  end(): ImportResult {
    if (this.found === null && this.error === null) this.readHead(true);
    if (this.error !== null) return refuseLayout(this.opts, this.error);
    this.readLines(this.pending, 0, this.held);
    this.held = 0;
    return finishImport(this.rows!, this.found!.layout, this.report, this.opts);
  }

  private hold(bytes: Uint8Array): void {
    if (this.held + bytes.length > this.pending.length) {
      const grown = new Uint8Array(Math.max(this.held + bytes.length, this.pending.length * 2));
      grown.set(this.pending.subarray(0, this.held));
      this.pending = grown;
    }
    this.pending.set(bytes, this.held);
    this.held += bytes.length;
  }

  /** The layout, once the bytes held tell it; then the held lines after the header are read and only a partial last line is kept. */
  private readHead(atEnd: boolean): void {
    const held = this.pending.subarray(0, this.held);
    const found = layoutFromStart(held, atEnd);
    if (found === null) return;
    if ('error' in found) {
      this.error = found.error;
      this.pending = new Uint8Array(0);
      this.held = 0;
      return;
    }
    this.found = found;
    startReport(this.report, found.layout);
    this.rows = new BarColumns(0, found.layout.roles.includes(Role.tickVolume));
    this.cursor = startCursor(found.layout);
    this.readThrough = found.bodyStart;
    const end = atEnd ? this.held : Math.max(found.bodyStart, held.lastIndexOf(10) + 1);
    this.readLines(held, found.bodyStart, end);
    // The head may have been a whole piece: from here on only a cut line is held.
    const rest = held.slice(end);
    this.pending = rest;
    this.held = rest.length;
  }

  /** The rows of bytes[from, end), whole lines (or the file's last, at its end). */
  private readLines(bytes: Uint8Array, from: number, end: number): void {
    if (end <= from) return;
    const piece = bytes.subarray(from, end);
    const lines = countLines(piece, 0);
    this.readThrough += piece.length;
    // The whole file's rows, guessed from its lines so far (once they are a fair sample), so the columns are sized about once.
    const estimate = this.fileBytes > this.readThrough && this.readThrough >= ESTIMATE_FROM ? Math.ceil(((this.cursor!.line + lines) * this.fileBytes * 1.02) / this.readThrough) : 0;
    this.rows!.reserve(lines, estimate);
    readRowsInto(piece, 0, this.found!.layout, this.report, this.rows!, this.cursor!);
  }
}

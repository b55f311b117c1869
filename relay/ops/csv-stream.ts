/**
 * A CSV file on disk imported as it is read, in fixed pieces
 * (workers/market/csv-import-stream.ts): the file is never held whole, so a
 * file larger than memory can be imported and the peak is the bar columns
 * plus one piece, not the file plus the columns.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { CsvImportStream } from '../../workers/market/csv-import-stream.ts';
import type { ImportOptions, ImportResult } from '../../workers/market/csv.ts';

/** Large enough that a piece's fixed costs vanish, small enough to stay in the caches' and memory's good graces. */
export const CSV_STREAM_PIECE_BYTES = 16 * 2 ** 20;

/** Calls `use` with each piece of the file in order (the same buffer each time), until it returns false or the file ends. */
function eachPiece(path: string, pieceBytes: number, use: (piece: Uint8Array, fileBytes: number) => boolean): void {
  const fd = openSync(path, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    // A small file needs no buffer larger than itself (a size of 0 may be a pipe: read it in whole pieces).
    const buffer = new Uint8Array(fileBytes > 0 ? Math.min(pieceBytes, fileBytes + 1) : pieceBytes);
    for (;;) {
      const n = readSync(fd, buffer, 0, buffer.length, null);
      if (n === 0 || !use(buffer.subarray(0, n), fileBytes)) return;
    }
  } finally {
    closeSync(fd);
  }
}

/** importBarsCsvBytes over a file on disk, read `pieceBytes` at a time; file system errors are thrown. */
export function importCsvFile(path: string, opts: ImportOptions, pieceBytes = CSV_STREAM_PIECE_BYTES): ImportResult {
  let stream: CsvImportStream | null = null;
  eachPiece(path, pieceBytes, (piece, fileBytes) => {
    stream ??= new CsvImportStream(opts, fileBytes);
    stream.push(piece);
    return !stream.refused;
  });
  return (stream ?? new CsvImportStream(opts)).end();
}

/** The SHA-256 of a file's content (hex), read `pieceBytes` at a time: the same digest as over its bytes whole. */
export function sha256File(path: string, pieceBytes = CSV_STREAM_PIECE_BYTES): string {
  const hash = createHash('sha256');
  eachPiece(path, pieceBytes, (piece) => {
    hash.update(piece);
    return true;
  });
  return hash.digest('hex');
}

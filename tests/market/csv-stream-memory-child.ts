/**
 * Run by csv-stream-memory.test.ts in a process of its own, so its peak memory
 * is the import's: imports FILE streamed in pieces of PIECE bytes, or read
 * whole (MODE "whole"), and prints the result's size and the process's peak
 * resident memory before and after, in kB.
 */
import { readFileSync } from 'node:fs';
import { importCsvFile } from '../../relay/ops/csv-stream.ts';
import { importBarsCsvBytes } from '../../workers/market/csv-import.ts';

const [file, mode, piece] = process.argv.slice(2);
const beforeKB = process.resourceUsage().maxRSS;
const r = mode === 'whole' ? importBarsCsvBytes(readFileSync(file), { symbol: 'SYN' }) : importCsvFile(file, { symbol: 'SYN' }, Number(piece));
const afterKB = process.resourceUsage().maxRSS;
process.stdout.write(JSON.stringify({ ok: r.ok, rows: r.report.rowsImported, errors: r.report.errors, beforeKB, afterKB }));

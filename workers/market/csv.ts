/** Bar CSV import and export: the public face of the csv-*.ts modules. */
export { importBarsCsv, importBarsCsvBytes } from './csv-import.ts';
export type { ImportOptions, ImportResult } from './csv-import.ts';
export { describeImport, BAD_ROW_REASONS, MAX_DETAILED_BAD_ROWS } from './csv-report.ts';
export type { BadRow, BadRowReason, GapStats, ImportReport } from './csv-report.ts';
export { formatBarsCsv, formatColumnsCsv } from './csv-write.ts';
export { detectTimeframe } from './csv-timeframe.ts';
export type { TimeframeGuess } from './csv-timeframe.ts';
export { formatUtc, formatDuration, parseDateTime } from './csv-time.ts';

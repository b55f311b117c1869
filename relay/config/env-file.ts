import { readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';

/**
 * The variables of a `.env` file, without touching process.env. Real
 * environment variables win over the file (the usual dotenv rule), so a
 * systemd unit or `docker run -e` can override a checked-in default.
 * A missing file is no error: the relay runs on defaults.
 */
export function readEnvFile(path: string): { vars: Record<string, string>; found: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { vars: {}, found: false };
    throw new Error(`cannot read ${path}: ${(e as Error).message}`);
  }
  return { vars: parseEnv(text) as Record<string, string>, found: true };
}

export function mergeEnv(file: Record<string, string>, env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  return { ...file, ...env };
}

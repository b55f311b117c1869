import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Beside the database: the random key broker tokens are sealed with when TG_RELAY_TOKEN is not set. */
export const TOKEN_KEY_FILE = 'broker-tokens.key';
/** Beside the database: the salt that turns TG_RELAY_TOKEN into the key (not secret; without it the key cannot be derived). */
export const TOKEN_SALT_FILE = 'broker-tokens.salt';

export const WRONG_KEY = 'the stored cTrader tokens were encrypted with another key: connect the account again (Settings > cTrader > Connect)';

/** A stored secret as the settings table keeps it: AES-256-GCM, nothing readable but which key opens it. */
export interface SealedSecret {
  sealed: 1;
  /** Where the key comes from, and its fingerprint (the first bytes of its SHA-256): which key opens this. */
  key: 'file' | 'relay-token';
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

interface VaultKey {
  source: SealedSecret['key'];
  kid: string;
  bytes: Buffer;
}

export class TokenKeyError extends Error {
  override readonly name = 'TokenKeyError';
}

/**
 * Seals and opens broker tokens with a key kept outside the database, so a
 * copied database alone gives no account away. The key is derived from
 * TG_RELAY_TOKEN (scrypt, salt file beside the database) when that is set,
 * else read from a random key file beside the database (created 0600).
 */
export class TokenVault {
  private constructor(
    private readonly primary: VaultKey,
    private readonly others: VaultKey[],
  ) {}

  /** Loads (or creates) the key for a data dir. The other source's key, when present, still opens what it sealed. */
  static async open(o: { dataDir: string; relayToken: string | null }): Promise<TokenVault> {
    const file = readKeyFile(o.dataDir, o.relayToken === null);
    const derived = o.relayToken === null ? null : await deriveKey(o.relayToken, o.dataDir);
    const primary = derived ?? file!;
    return new TokenVault(primary, [file, derived].filter((k): k is VaultKey => k !== null && k !== primary));
  }

  /** `aad` binds the ciphertext to where it is stored (the setting's name): moved elsewhere, it does not open. */
  seal(value: unknown, aad: string): SealedSecret {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.primary.bytes, iv);
    c.setAAD(Buffer.from(aad));
    const data = Buffer.concat([c.update(JSON.stringify(value), 'utf8'), c.final()]);
    return { sealed: 1, key: this.primary.source, kid: this.primary.kid, iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** The value, and whether it should be sealed again with the primary key. Throws TokenKeyError when no key at hand opens it. */
  open<T>(s: SealedSecret, aad: string): { value: T; reseal: boolean } {
    const key = [this.primary, ...this.others].find((k) => k.kid === s.kid);
    if (!key) throw new TokenKeyError(WRONG_KEY);
    try {
      const d = createDecipheriv('aes-256-gcm', key.bytes, Buffer.from(s.iv, 'base64'));
      d.setAAD(Buffer.from(aad));
      d.setAuthTag(Buffer.from(s.tag, 'base64'));
      const text = Buffer.concat([d.update(Buffer.from(s.data, 'base64')), d.final()]).toString('utf8');
      return { value: JSON.parse(text) as T, reseal: key !== this.primary };
    } catch {
      throw new TokenKeyError(WRONG_KEY);
    }
  }
}

/** Where the key sealing new secrets comes from, for the start banner (never the key itself). */
export function describeTokenKey(o: { dataDir: string; relayToken: string | null }): string {
  return o.relayToken !== null ? `derived from TG_RELAY_TOKEN (salt ${join(o.dataDir, TOKEN_SALT_FILE)})` : `key file ${join(o.dataDir, TOKEN_KEY_FILE)}`;
}

export function isSealed(v: unknown): v is SealedSecret {
  return typeof v === 'object' && v !== null && (v as SealedSecret).sealed === 1 && typeof (v as SealedSecret).data === 'string';
}

function vaultKey(source: VaultKey['source'], bytes: Buffer): VaultKey {
  return { source, bytes, kid: createHash('sha256').update(bytes).digest('hex').slice(0, 16) };
}

/** Reads the key file; creates it (0600, never overwriting one that appeared meanwhile) when `create`. */
function readKeyFile(dir: string, create: boolean): VaultKey | null {
  const path = join(dir, TOKEN_KEY_FILE);
  const read = () => {
    const bytes = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
    if (bytes.length !== 32) throw new TokenKeyError(`${path} is not a TradeGuard token key (32 bytes, base64): restore it from a backup, or move it away and connect the cTrader account again`);
    return vaultKey('file', bytes);
  };
  try {
    return read();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (!create) return null;
  try {
    writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return read();
}

async function deriveKey(relayToken: string, dir: string): Promise<VaultKey> {
  const path = join(dir, TOKEN_SALT_FILE);
  try {
    writeFileSync(path, `${randomBytes(16).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const salt = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  // scrypt, not a plain hash: TG_RELAY_TOKEN may be a passphrase someone chose.
  const bytes = await new Promise<Buffer>((resolve, reject) => scrypt(relayToken, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (e, k) => (e ? reject(e) : resolve(k))));
  return vaultKey('relay-token', bytes);
}

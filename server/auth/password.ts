import crypto from 'node:crypto';
import { randomBase62 } from './secrets';

/** scrypt cost: N = 2^ln, block size r, parallelism p. */
export interface ScryptParams {
  ln: number;
  r: number;
  p: number;
}

/**
 * Today's cost: N=2^15, r=8, p=3 is one of OWASP's equivalent scrypt settings (32 MiB per
 * hash, about 250 ms on one core). Stored hashes carry their own parameters, so raising
 * these later re-hashes each password at its owner's next sign-in (passwordNeedsRehash).
 */
export const currentScryptParams: ScryptParams = { ln: 15, r: 8, p: 3 };

const saltBytes = 16;
const keyBytes = 32;
/** Bounds for parameters read back from storage, so a corrupt row cannot exhaust memory. */
const maxLn = 20;

export const passwordMinLength = 12;
export const passwordMaxLength = 256;

function scrypt(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const N = 2 ** params.ln;
  return new Promise((resolve, reject) => {
    crypto.scrypt(
      password.normalize('NFC'),
      salt,
      keyBytes,
      { N, r: params.r, p: params.p, maxmem: 256 * N * params.r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** Hashes a password as `$scrypt$ln=15,r=8,p=3$<salt>$<hash>` (base64, no padding). */
export async function hashPassword(password: string, params: ScryptParams = currentScryptParams): Promise<string> {
  const salt = crypto.randomBytes(saltBytes);
  const key = await scrypt(password, salt, params);
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface ParsedHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): ParsedHash | null {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/.exec(stored);
  if (!m) return null;
  const params = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (params.ln < 1 || params.ln > maxLn || params.r < 1 || params.p < 1) return null;
  const key = Buffer.from(m[5]!, 'base64url');
  if (key.length < 16) return null;
  return { params, salt: Buffer.from(m[4]!, 'base64url'), key };
}

/** True when the password matches; compares in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseHash(stored);
  if (!parsed) return false;
  const N = 2 ** parsed.params.ln;
  const key = await new Promise<Buffer>((resolve, reject) => {
    crypto.scrypt(
      password.normalize('NFC'),
      parsed.salt,
      parsed.key.length,
      { N, r: parsed.params.r, p: parsed.params.p, maxmem: 256 * N * parsed.params.r + 1024 * 1024 },
      (error, derived) => (error ? reject(error) : resolve(derived)),
    );
  });
  return crypto.timingSafeEqual(key, parsed.key);
}

/** True when a stored hash uses weaker (or different) parameters than `params`. */
export function passwordNeedsRehash(stored: string, params: ScryptParams = currentScryptParams): boolean {
  const parsed = parseHash(stored);
  if (!parsed) return true;
  return parsed.params.ln !== params.ln || parsed.params.r !== params.r || parsed.params.p !== params.p;
}

/**
 * A hash of a random password nobody knows, with today's parameters. Sign-in verifies
 * against it when the account does not exist, so unknown and known names take as long.
 */
let decoyHash: Promise<string> | undefined;
export function decoyPasswordHash(): Promise<string> {
  decoyHash ??= hashPassword(randomBase62(24));
  return decoyHash;
}

/** A one-time password for new accounts and resets: 20 base62 characters (~119 bits). */
export function generateOneTimePassword(): string {
  return randomBase62(20);
}

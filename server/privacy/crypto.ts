import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../audit';
import { getConfig } from '../config';
import { log } from '../core/log';
import { peekSingleton, setSingleton } from '../core/singleton';

/**
 * The privacy context's keys, all derived from one secret (LEITSTAND_SECRET_KEY) with HKDF,
 * so that one value to back up restores every one of them:
 * - `box`: AES-256-GCM key for data-store credentials and subject identifiers at rest;
 * - `subject`: HMAC-SHA256 key of the subject hashes that outlive an erasure;
 * - `evidence`: the Ed25519 seed of the evidence signing key pair.
 */
export interface PrivacyKeys {
  box: Buffer;
  subject: Buffer;
  evidencePrivate: crypto.KeyObject;
  evidencePublic: crypto.KeyObject;
  /** Base64 SPKI DER of the evidence public key (what a verifier pins). */
  evidencePublicKey: string;
  /** First 16 hex digits of SHA-256 over the public key, printed on evidence. */
  evidenceKeyId: string;
}

const HKDF_SALT = Buffer.from('leitstand/privacy/v1');
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function derive(secret: Buffer, info: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', secret, HKDF_SALT, info, 32));
}

/** Derives every key from the 32-byte secret. */
export function deriveKeys(secret: Buffer): PrivacyKeys {
  if (secret.length !== 32) throw new Error('The secret key must be 32 bytes.');
  const seed = derive(secret, 'evidence-ed25519');
  const evidencePrivate = crypto.createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const evidencePublic = crypto.createPublicKey(evidencePrivate);
  const spki = evidencePublic.export({ format: 'der', type: 'spki' });
  return {
    box: derive(secret, 'secret-box-aes-256-gcm'),
    subject: derive(secret, 'subject-hmac-sha256'),
    evidencePrivate,
    evidencePublic,
    evidencePublicKey: spki.toString('base64'),
    evidenceKeyId: crypto.createHash('sha256').update(spki).digest('hex').slice(0, 16),
  };
}

/**
 * Reads the secret key: LEITSTAND_SECRET_KEY, else `<dataDir>/secret.key`, created once
 * (mode 0600, exclusive create so two processes never write different keys).
 */
export function loadSecretKey(options: { secretKey: string | undefined; dataDir: string; databaseUrl?: string | undefined }): Buffer {
  if (options.secretKey) return Buffer.from(options.secretKey, 'base64');
  const file = path.join(options.dataDir, 'secret.key');
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(options.dataDir, { recursive: true });
  const value = crypto.randomBytes(32).toString('base64');
  try {
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    log.warn(
      { file },
      'LEITSTAND_SECRET_KEY is not set: generated a secret key into the data directory; back it up, and set LEITSTAND_SECRET_KEY when running several replicas',
    );
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if (options.databaseUrl) {
    log.warn('LEITSTAND_SECRET_KEY is not set while DATABASE_URL is: every replica must share one key, so set it');
  }
  return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'base64');
}

/** The process's privacy keys (from the configuration on first use). */
export function getPrivacyKeys(): PrivacyKeys {
  let keys = peekSingleton<PrivacyKeys>('privacy-keys');
  if (!keys) {
    const config = getConfig();
    keys = deriveKeys(loadSecretKey({ secretKey: config.secretKey, dataDir: config.dataDir, databaseUrl: config.database.url }));
    setSingleton('privacy-keys', keys);
  }
  return keys;
}

/** Replaces the process's keys (tests, tools). */
export function setPrivacyKeys(secret: Buffer): PrivacyKeys {
  const keys = deriveKeys(secret);
  setSingleton('privacy-keys', keys);
  return keys;
}

const BOX_VERSION = 'v1';

/**
 * Encrypts JSON with AES-256-GCM. `context` (e.g. `store:<id>`) is bound as additional
 * data, so a box copied onto another row does not open there.
 */
export function sealJson(value: unknown, context: string, keys: PrivacyKeys = getPrivacyKeys()): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keys.box, iv);
  cipher.setAAD(Buffer.from(context));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return `${BOX_VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64')}`;
}

/** Opens a box made by sealJson; throws when the key, context or bytes differ. */
export function openJson<T>(box: string, context: string, keys: PrivacyKeys = getPrivacyKeys()): T {
  const [version, data] = box.split('.', 2);
  if (version !== BOX_VERSION || !data) throw new Error('Not a secret box of a known version.');
  const raw = Buffer.from(data, 'base64');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keys.box, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(context));
  decipher.setAuthTag(raw.subarray(12, 28));
  const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  return JSON.parse(text) as T;
}

/** Kinds of subject identifier a store column can hold. */
export const identifierKinds = ['email', 'user_id', 'tenant_user_id'] as const;
export type IdentifierKind = (typeof identifierKinds)[number];

/** One identifier of a data subject; `tenant` only for tenant-scoped user ids. */
export interface SubjectIdentifier {
  kind: IdentifierKind;
  value: string;
  tenant?: string | undefined;
}

/** The form every store and hash sees: e-mail lower-cased, everything trimmed. */
export function normaliseIdentifier(id: SubjectIdentifier): SubjectIdentifier {
  const value = id.kind === 'email' ? id.value.trim().toLowerCase() : id.value.trim();
  return id.kind === 'tenant_user_id' ? { kind: id.kind, value, tenant: (id.tenant ?? '').trim() } : { kind: id.kind, value };
}

/** The keyed hash that outlives an erasure: HMAC-SHA256 over `kind:tenant/value`, hex. */
export function subjectHash(id: SubjectIdentifier, keys: PrivacyKeys = getPrivacyKeys()): string {
  const n = normaliseIdentifier(id);
  const text = n.kind === 'tenant_user_id' ? `${n.kind}:${n.tenant}/${n.value}` : `${n.kind}:${n.value}`;
  return crypto.createHmac('sha256', keys.subject).update(text, 'utf8').digest('hex');
}

/** A signed document as stored, printed and exported. */
export interface SignedDocument<T = unknown> {
  algorithm: 'Ed25519';
  keyId: string;
  /** Base64 SPKI DER of the signing key. */
  publicKey: string;
  /** Base64 signature over canonicalJson(document). */
  signature: string;
  document: T;
}

/** Signs canonical JSON of `document` with the evidence key. */
export function signDocument<T>(document: T, keys: PrivacyKeys = getPrivacyKeys()): SignedDocument<T> {
  const signature = crypto.sign(null, Buffer.from(canonicalJson(document)), keys.evidencePrivate);
  return {
    algorithm: 'Ed25519',
    keyId: keys.evidenceKeyId,
    publicKey: keys.evidencePublicKey,
    signature: signature.toString('base64'),
    document,
  };
}

export type SignatureCheck =
  | { ok: true; keyId: string; trusted: boolean }
  | { ok: false; reason: string };

/**
 * Verifies a signed document. With `trustedPublicKey` (base64 SPKI) the embedded key must
 * be that key; without it the signature is checked against the embedded key and the
 * answer says it is untrusted (integrity, not origin).
 */
export function verifyDocument(signed: SignedDocument, trustedPublicKey?: string): SignatureCheck {
  if (signed.algorithm !== 'Ed25519') return { ok: false, reason: `unknown algorithm ${String(signed.algorithm)}` };
  if (trustedPublicKey && trustedPublicKey !== signed.publicKey) {
    return { ok: false, reason: 'signed with a different key than the trusted one' };
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: Buffer.from(signed.publicKey, 'base64'), format: 'der', type: 'spki' });
  } catch {
    return { ok: false, reason: 'the public key is malformed' };
  }
  const spki = key.export({ format: 'der', type: 'spki' });
  const keyId = crypto.createHash('sha256').update(spki).digest('hex').slice(0, 16);
  if (keyId !== signed.keyId) return { ok: false, reason: 'the key id does not match the public key' };
  const valid = crypto.verify(null, Buffer.from(canonicalJson(signed.document)), key, Buffer.from(signed.signature, 'base64'));
  if (!valid) return { ok: false, reason: 'the signature does not match the document (altered or signed by another key)' };
  return { ok: true, keyId, trusted: Boolean(trustedPublicKey) };
}

import crypto from 'node:crypto';
import { desc, sql } from 'drizzle-orm';
import type { Tx } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';

/** Arbitrary but fixed: serialises appends so the chain has one order. */
const AUDIT_CHAIN_LOCK_KEY = 7_420_311_002;

/** Who did it, from where; built once per request by the auth context. */
export interface AuditActor {
  id: string | null;
  name: string;
  roles: readonly string[];
  requestId?: string | null;
  clientAddress?: string | null;
}

/** The system itself (start-up, controllers, jobs). */
export const systemActor: AuditActor = { id: null, name: 'system', roles: [] };

export interface AuditEventInput {
  actor: AuditActor;
  /** Dotted verb, e.g. `user.create`, `token.revoke`. */
  action: string;
  targetType: string;
  targetId?: string | null;
  before?: unknown;
  after?: unknown;
}

export const REDACTED = '[redacted]';

// Key names are split into lower-case words (camelCase, snake_case, kebab-case, dots):
// `passwordHash` → password hash. Matching whole words keeps `maxTokens`, `tokenBudget`
// or a Kubernetes selector's `key` readable while `apiKey` and `csrfToken` are hidden.
const secretWords = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'credential',
  'credentials',
  'authorization',
  'cookie',
  'cookies',
  'salt',
  'otp',
  'totp',
  'dsn',
  'apikey',
  'privatekey',
  'connectionstring',
]);
const secretLastWords = new Set(['token', 'pin']);
// A hash is secret when it is of something secret (`tokenHash`); a chain or content hash is not.
const hashQualifiers = new Set(['password', 'passwd', 'token', 'secret', 'pin', 'key', 'otp', 'credential']);
const keyQualifiers = new Set([
  'api',
  'private',
  'secret',
  'encryption',
  'access',
  'signing',
  'master',
  'session',
  'client',
  'hmac',
  'ssh',
  'tls',
  'auth',
]);

function wordsOf(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

/** True when a property with this name holds a secret (password, token, API key …). */
export function isSecretKey(key: string): boolean {
  const words = wordsOf(key);
  if (words.length === 0) return false;
  const joined = words.join('');
  if (words.some((w) => secretWords.has(w)) || secretWords.has(joined)) return true;
  for (const compound of ['password', 'passwd', 'secret', 'credential', 'apikey', 'privatekey', 'connectionstring']) {
    if (joined.includes(compound)) return true;
  }
  const last = words[words.length - 1]!;
  if (secretLastWords.has(last)) return true;
  if (last === 'hash' && words.slice(0, -1).some((w) => hashQualifiers.has(w))) return true;
  if (last === 'key' && words.length > 1 && keyQualifiers.has(words[words.length - 2]!)) return true;
  return false;
}

/** Hides credentials inside a string value: `scheme://user:pw@host` and `Bearer …`. */
function redactString(value: string): string {
  if (/^\s*(bearer|basic)\s+\S+/i.test(value)) return REDACTED;
  return value.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:)[^\s@/]+@/gi, `$1${REDACTED}@`);
}

/**
 * Replaces the values of secret-looking keys at any depth, and credentials inside URLs.
 * null and booleans stay (whether a password is set is a fact worth auditing; a boolean
 * cannot leak one).
 */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return redactString(value);
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        isSecretKey(k) && v !== null && v !== undefined && typeof v !== 'boolean' ? REDACTED : redactSecrets(v),
      ]),
    );
  }
  return value;
}

/** JSON with object keys sorted at every depth, so the same event always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value instanceof Map) return sortKeys(Object.fromEntries(value));
  if (value instanceof Set) return [...value].map(sortKeys);
  if (value && typeof value === 'object') {
    if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      return sortKeys((value as { toJSON(): unknown }).toJSON());
    }
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .filter((k) => record[k] !== undefined && typeof record[k] !== 'function' && typeof record[k] !== 'symbol')
        .map((k) => [k, sortKeys(record[k])]),
    );
  }
  return value;
}

/**
 * PostgreSQL text and jsonb cannot hold U+0000 or lone surrogates; replacing them before
 * hashing keeps what is hashed identical to what is stored.
 */
function storable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function storableJson(value: unknown): unknown {
  if (value === undefined) return null;
  return JSON.parse(canonicalJson(redactSecrets(value)), (_key, v: unknown) =>
    typeof v === 'string' ? storable(v) : v,
  ) as unknown;
}

/** The fields covered by the hash, in the form they are stored. */
export interface ChainedFields {
  id: number;
  occurredAt: Date;
  actorId: string | null;
  actorName: string;
  actorRoles: string[];
  action: string;
  targetType: string;
  targetId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  clientAddress: string | null;
}

/** The hashed fields of a stored row (verification recomputes the hash from these). */
export function chainedFieldsOf(row: ChainedFields): ChainedFields {
  return {
    id: row.id,
    occurredAt: row.occurredAt,
    actorId: row.actorId,
    actorName: row.actorName,
    actorRoles: row.actorRoles,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    before: row.before,
    after: row.after,
    requestId: row.requestId,
    clientAddress: row.clientAddress,
  };
}

/** SHA-256 (hex) over the previous hash, a newline, and the event's canonical JSON. */
export function chainHash(prevHash: string, fields: ChainedFields): string {
  return crypto
    .createHash('sha256')
    .update(prevHash)
    .update('\n')
    .update(canonicalJson({ ...chainedFieldsOf(fields), occurredAt: fields.occurredAt.toISOString() }))
    .digest('hex');
}

/** The stored form of an event: normalised, secrets redacted, ready to hash. */
export function auditFields(id: number, occurredAt: Date, input: AuditEventInput): ChainedFields {
  const text = (value: string | null | undefined) => (value === null || value === undefined ? null : storable(value));
  return {
    id,
    // The column keeps milliseconds, exactly what a Date holds, so the hash survives the round trip.
    occurredAt,
    // uuid columns come back lower-case; hash what will be read back.
    actorId: input.actor.id ? input.actor.id.toLowerCase() : null,
    actorName: storable(input.actor.name),
    actorRoles: input.actor.roles.map(storable),
    action: storable(input.action),
    targetType: storable(input.targetType),
    targetId: text(input.targetId),
    before: storableJson(input.before),
    after: storableJson(input.after),
    requestId: text(input.actor.requestId),
    clientAddress: text(input.actor.clientAddress),
  };
}

/**
 * Appends one event to the chain. Call it inside the transaction that makes the change
 * (ideally last: the chain lock is held until that transaction ends), so the change and
 * its record commit or roll back together.
 */
export async function recordAudit(tx: Tx, input: AuditEventInput): Promise<{ id: number; hash: string }> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK_KEY})`);
  const [last] = await tx
    .select({ id: auditEvents.id, hash: auditEvents.hash })
    .from(auditEvents)
    .orderBy(desc(auditEvents.id))
    .limit(1);
  // Ids are taken under the lock rather than from the identity sequence: a rolled-back
  // transaction then leaves no gap, so a gap always means a removed event. Should a
  // snapshot be too old to see the last event, the primary key refuses the duplicate id
  // instead of letting the chain fork.
  const fields = auditFields((last?.id ?? 0) + 1, new Date(), input);
  const prevHash = last?.hash ?? '';
  const hash = chainHash(prevHash, fields);
  await tx
    .insert(auditEvents)
    .overridingSystemValue()
    .values({ ...fields, prevHash, hash });
  return { id: fields.id, hash };
}

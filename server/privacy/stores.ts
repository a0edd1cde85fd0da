import crypto from 'node:crypto';
import { asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, getDb } from '../../db/client';
import { privacyStores, type StoreKind, storeKinds } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { ConflictError, InputError, NotFoundError } from '../core/errors';
import { issueMessage, msg, privacyMessages as pm } from './messages';
import { parseInput } from './validation';
import { type ConnectionCheck, type Connector, type Discovery, openConnector, type SqlClient, storeSchemas } from './connectors';
import { openJson, sealJson } from './crypto';

export interface StoreView {
  id: string;
  name: string;
  kind: StoreKind;
  config: unknown;
  hasCredentials: boolean;
  /** Categories the mapping names, for holds, retention and the records of processing. */
  categories: string[];
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const storeInputSchema = z.object({
  name: z.string().trim().min(2, { error: msg(pm.tooShort, { min: 2 }) }).max(100),
  kind: z.enum(storeKinds),
  /** The mapping as JSON text (forms) or an object (API, tests). */
  config: z.union([z.string(), z.record(z.string(), z.unknown())]),
  /** Connection secrets as JSON text or an object; omitted on update keeps the stored ones. */
  credentials: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
});
export type StoreInput = z.input<typeof storeInputSchema>;

function parseJsonField(value: string | Record<string, unknown>, field: string): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new InputError(pm.notJson, { [field]: [pm.notJsonHint] });
  }
}

function validated(kind: StoreKind, rawConfig: unknown, rawCredentials: unknown | undefined) {
  const schemas = storeSchemas[kind];
  const config = schemas.config.safeParse(rawConfig);
  const fieldErrors: Record<string, string[]> = {};
  if (!config.success) {
    fieldErrors.config = config.error.issues.map((i) => issueMessage(i, i.path.join('.') || undefined));
  }
  let credentials: unknown;
  if (rawCredentials !== undefined) {
    const parsed = schemas.credentials.safeParse(rawCredentials);
    // Never echo credential values back: only where the problem is.
    if (!parsed.success) fieldErrors.credentials = parsed.error.issues.map((i) => issueMessage(i, i.path.join('.') || undefined));
    else credentials = parsed.data;
  }
  if (Object.keys(fieldErrors).length) throw new InputError(pm.storeInvalid, fieldErrors);
  return { config: config.data as unknown, credentials };
}

/** The data categories a store's mapping names. */
export function storeCategories(kind: StoreKind, config: unknown): string[] {
  const c = config as {
    tables?: { categories: string[] }[];
    keys?: { categories: string[] }[];
    hashFields?: { categories: string[] }[];
    categories?: string[];
  };
  const all =
    kind === 'webhook'
      ? (c.categories ?? [])
      : kind === 'redis'
        ? [...(c.keys ?? []), ...(c.hashFields ?? [])].flatMap((x) => x.categories)
        : (c.tables ?? []).flatMap((t) => t.categories);
  return [...new Set(all)].sort();
}

function view(row: typeof privacyStores.$inferSelect): StoreView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    config: row.config,
    hasCredentials: row.credentials !== null,
    categories: storeCategories(row.kind, row.config),
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Every registered store, by name. */
export async function listStores(db: Executor = getDb()): Promise<StoreView[]> {
  const rows = await db.select().from(privacyStores).orderBy(asc(privacyStores.name));
  return rows.map(view);
}

/** One store (without its credentials); NotFoundError when unknown. */
export async function getStore(id: string, db: Executor = getDb()): Promise<StoreView> {
  if (!z.uuid().safeParse(id).success) throw new NotFoundError('No such data store.');
  const [row] = await db.select().from(privacyStores).where(eq(privacyStores.id, id));
  if (!row) throw new NotFoundError('No such data store.');
  return view(row);
}

/** Options of checks on a store as entered: `storeId` (editing) uses its stored credentials when none are entered. */
interface EnteredOptions {
  sqlClient?: SqlClient;
  storeId?: string;
}

/** Checks the connection of a store as entered, before it is saved. */
export async function testStoreInput(input: StoreInput, options: EnteredOptions = {}): Promise<ConnectionCheck> {
  const parsed = parseInput(storeInputSchema, input);
  const credentials = await enteredOrStoredCredentials(parsed, options.storeId);
  const { config } = validated(parsed.kind, parseJsonField(parsed.config, 'config'), credentials);
  const connector = openConnector({ id: crypto.randomUUID(), kind: parsed.kind, config, credentials }, options);
  try {
    return await connector.test();
  } finally {
    await connector.close();
  }
}

/** Lists tables/columns (or key shapes) of a store as entered, with suggested identifier columns. */
export async function discoverStoreInput(input: StoreInput, options: EnteredOptions = {}): Promise<Discovery> {
  const parsed = parseInput(storeInputSchema, input);
  const credentials = await enteredOrStoredCredentials(parsed, options.storeId);
  // Discovery needs only the connection: a placeholder mapping stands in until one is written.
  const rawConfig = typeof parsed.config === 'string' && parsed.config.trim() === '' ? placeholderConfig(parsed.kind) : parseJsonField(parsed.config, 'config');
  const connector = openConnector({ id: crypto.randomUUID(), kind: parsed.kind, config: withPlaceholder(parsed.kind, rawConfig), credentials }, options);
  try {
    return await connector.discover();
  } finally {
    await connector.close();
  }
}

function placeholderConfig(kind: StoreKind): unknown {
  if (kind === 'redis') return { keys: [{ pattern: '{subject}', kind: 'user_id', categories: ['x.y'] }] };
  if (kind === 'webhook') return { url: 'http://127.0.0.1/', categories: ['x.y'], callbackBaseUrl: 'http://127.0.0.1/' };
  return { tables: [{ table: 'x', identifiers: [{ column: 'x', kind: 'user_id' }], categories: ['x.y'], method: 'delete' }] };
}

function withPlaceholder(kind: StoreKind, config: unknown): unknown {
  return storeSchemas[kind].config.safeParse(config).success ? config : placeholderConfig(kind);
}

function credentialsEntered(parsed: z.output<typeof storeInputSchema>): boolean {
  return parsed.credentials !== undefined && !(typeof parsed.credentials === 'string' && parsed.credentials.trim() === '');
}

/** The credentials entered, or (editing a store, none entered) the stored ones — never sent back to the page. */
async function enteredOrStoredCredentials(parsed: z.output<typeof storeInputSchema>, storeId: string | undefined): Promise<unknown> {
  if (storeId && !credentialsEntered(parsed)) {
    const store = await getStore(storeId);
    if (store.kind !== parsed.kind) throw new InputError(pm.invalidInput, { kind: [msg(pm.choose, { options: store.kind })] });
    const stored = await storeCredentials(storeId);
    if (stored !== undefined) return stored;
  }
  return credentialsFor(parsed);
}

async function credentialsFor(parsed: z.output<typeof storeInputSchema> & { id?: string }): Promise<unknown> {
  if (parsed.credentials === undefined || (typeof parsed.credentials === 'string' && parsed.credentials.trim() === '')) {
    throw new InputError(pm.credentialsRequired, { credentials: [pm.credentialsNeeded] });
  }
  const raw = parseJsonField(parsed.credentials, 'credentials');
  const result = storeSchemas[parsed.kind].credentials.safeParse(raw);
  if (!result.success) {
    throw new InputError(pm.credentialsIncomplete, { credentials: result.error.issues.map((i) => issueMessage(i, i.path.join('.') || undefined)) });
  }
  return result.data;
}

/**
 * Registers a store: validates the mapping, checks it against the live store (a mapping
 * naming a missing table is refused), seals the credentials, audits — in one transaction.
 */
export async function createStore(
  input: StoreInput,
  actor: AuditActor,
  options: { sqlClient?: SqlClient; skipLiveCheck?: boolean } = {},
): Promise<StoreView> {
  const parsed = parseInput(storeInputSchema, input);
  const credentials = await credentialsFor(parsed);
  const { config } = validated(parsed.kind, parseJsonField(parsed.config, 'config'), credentials);
  const id = crypto.randomUUID();
  if (!options.skipLiveCheck) await liveCheck({ id, kind: parsed.kind, config, credentials }, options);
  return getDb().transaction(async (tx) => {
    const clash = await tx.select({ id: privacyStores.id }).from(privacyStores).where(sql`lower(${privacyStores.name}) = lower(${parsed.name})`);
    if (clash.length) throw new InputError(pm.storeExists, { name: [pm.chooseAnotherName] });
    const [row] = await tx
      .insert(privacyStores)
      .values({ id, name: parsed.name, kind: parsed.kind, config, credentials: sealJson(credentials, `store:${id}`), createdBy: actor.name })
      .returning();
    await recordAudit(tx, { actor, action: 'privacy.store.create', targetType: 'privacy_store', targetId: id, after: { name: parsed.name, kind: parsed.kind, config: redactForAudit(config) } });
    return view(row!);
  });
}

async function liveCheck(store: { id: string; kind: StoreKind; config: unknown; credentials: unknown }, options: { sqlClient?: SqlClient }) {
  const connector = openConnector(store, options);
  try {
    const check = await connector.test();
    if (!check.ok) throw new InputError(msg(pm.unreachable, { reason: check.reason }), { credentials: [msg(pm.unreachableReason, { reason: check.reason })] });
    const problems = await connector.checkMapping();
    if (problems.length) throw new InputError(pm.mappingMismatch, { config: problems });
  } finally {
    await connector.close();
  }
}

/**
 * Changes a store's name, mapping and (when given) credentials, with the same validation and
 * live check as registering it. Empty credentials keep the stored ones. The kind is fixed.
 * Refused while an erasure is executing or verifying in the store (its job reads the mapping);
 * a failed one may be fixed here and retried. Audited with the mapping before and after,
 * credentials never (only whether they changed), URLs without their user info.
 */
export async function updateStore(
  id: string,
  input: Omit<StoreInput, 'kind'>,
  actor: AuditActor,
  options: { sqlClient?: SqlClient; skipLiveCheck?: boolean } = {},
): Promise<StoreView> {
  const current = await getStore(id);
  const parsed = parseInput(storeInputSchema, { ...input, kind: current.kind });
  const hasNewCredentials = credentialsEntered(parsed);
  const credentials = hasNewCredentials ? await credentialsFor(parsed) : await storeCredentials(id);
  if (credentials === undefined) throw new InputError(pm.credentialsRequired, { credentials: [pm.credentialsNeeded] });
  const { config } = validated(current.kind, parseJsonField(parsed.config, 'config'), credentials);
  if (!options.skipLiveCheck) await liveCheck({ id, kind: current.kind, config, credentials }, options);
  return getDb().transaction(async (tx) => {
    const [locked] = await tx.select().from(privacyStores).where(eq(privacyStores.id, id)).for('update');
    if (!locked) throw new NotFoundError('No such data store.');
    if (await storeInUse(tx, id, ['executing', 'verifying'])) throw new ConflictError(pm.storeRunning);
    const clash = await tx
      .select({ id: privacyStores.id })
      .from(privacyStores)
      .where(sql`lower(${privacyStores.name}) = lower(${parsed.name}) and ${privacyStores.id} <> ${id}`);
    if (clash.length) throw new InputError(pm.storeExists, { name: [pm.chooseAnotherName] });
    const [row] = await tx
      .update(privacyStores)
      .set({
        name: parsed.name,
        config,
        ...(hasNewCredentials ? { credentials: sealJson(credentials, `store:${id}`) } : {}),
        updatedAt: new Date(),
      })
      .where(eq(privacyStores.id, id))
      .returning();
    await recordAudit(tx, {
      actor,
      action: 'privacy.store.update',
      targetType: 'privacy_store',
      targetId: id,
      before: { name: locked.name, config: redactForAudit(locked.config) },
      after: { name: parsed.name, config: redactForAudit(config), credentialsChanged: hasNewCredentials },
    });
    return view(row!);
  });
}

/**
 * A mapping as the audit trail keeps it. Secrets belong in the credentials (never audited),
 * but a URL in a mapping (a webhook processor's) may still carry user info or a token in its
 * query: both are replaced. Column names and replacements stay — they are what was changed.
 */
export function redactForAudit(value: unknown): unknown {
  if (typeof value === 'string') {
    if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value;
    return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s?#]*@/i, '$1[redacted]@').replace(/\?[^#]*/, '?[redacted]');
  }
  if (Array.isArray(value)) return value.map(redactForAudit);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactForAudit(v)]));
  return value;
}

async function storeInUse(tx: Executor, id: string, states: string[]): Promise<boolean> {
  const busy = await tx.execute(sql`select 1 from privacy_erasure_tasks t join privacy_erasure_requests r on r.id = t.request_id
      where t.store_id = ${id} and r.state in (${sql.join(states.map((st) => sql`${st}`), sql`, `)}) limit 1`);
  return (Array.isArray(busy) ? busy : (busy as { rows: unknown[] }).rows).length > 0;
}

/** Removes a store; refused while an open erasure request still has work in it. */
export async function deleteStore(id: string, actor: AuditActor): Promise<void> {
  const current = await getStore(id);
  await getDb().transaction(async (tx) => {
    if (await storeInUse(tx, id, ['executing', 'verifying', 'failed'])) throw new ConflictError(pm.storeBusy);
    await tx.delete(privacyStores).where(eq(privacyStores.id, id));
    await recordAudit(tx, { actor, action: 'privacy.store.delete', targetType: 'privacy_store', targetId: id, before: { name: current.name, kind: current.kind } });
  });
}

async function storeCredentials(id: string, db: Executor = getDb()): Promise<unknown> {
  const [row] = await db.select({ credentials: privacyStores.credentials }).from(privacyStores).where(eq(privacyStores.id, id));
  if (!row) throw new NotFoundError('No such data store.');
  return row.credentials ? openJson(row.credentials, `store:${id}`) : undefined;
}

/**
 * Test-only and embedded setups: SQL clients that replace a store's connection pool (an
 * in-process PGlite with pgvector has no URL to connect to).
 */
const sqlClientOverrides = new Map<string, SqlClient>();

/** Routes a store's SQL through a given client instead of its URL (PGlite stores in tests). */
export function useSqlClientForStore(storeId: string, client: SqlClient | undefined): void {
  if (client) sqlClientOverrides.set(storeId, client);
  else sqlClientOverrides.delete(storeId);
}

/** Opens the connector of a registered store (credentials decrypted in memory only). */
export async function connectStore(id: string, db: Executor = getDb()): Promise<{ store: StoreView; connector: Connector }> {
  const store = await getStore(id, db);
  const credentials = await storeCredentials(id, db);
  const sqlClient = sqlClientOverrides.get(id);
  const connector = openConnector({ id, kind: store.kind, config: store.config, credentials }, sqlClient ? { sqlClient } : {});
  return { store, connector };
}

/** Tests a registered store's connection. */
export async function testStore(id: string): Promise<ConnectionCheck> {
  const { connector } = await connectStore(id);
  try {
    return await connector.test();
  } finally {
    await connector.close();
  }
}

/** Discovers a registered store. */
export async function discoverStore(id: string): Promise<Discovery> {
  const { connector } = await connectStore(id);
  try {
    return await connector.discover();
  } finally {
    await connector.close();
  }
}

/** The secret a webhook store shares with its processor (for verifying callbacks). */
export async function webhookSecret(storeId: string, db: Executor = getDb()): Promise<string | null> {
  const [row] = await db.select({ kind: privacyStores.kind, credentials: privacyStores.credentials }).from(privacyStores).where(eq(privacyStores.id, storeId));
  if (!row || row.kind !== 'webhook' || !row.credentials) return null;
  return openJson<{ secret: string }>(row.credentials, `store:${storeId}`).secret;
}

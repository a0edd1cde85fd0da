import { z } from 'zod';
import { identifierKinds, normaliseIdentifier, type SubjectIdentifier } from '../crypto';
import { type SqlClient, ident, qualified } from './sql-client';
import {
  type ConnectionCheck,
  type Connector,
  ConnectorError,
  type DiscoveredTable,
  type Discovery,
  type EraseContext,
  type Target,
} from './types';
import { msg, privacyMessages as pm } from '../messages';

const name = z.string().trim().min(1).max(127).regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/, {
  error: pm.tableName,
});
const column = z.string().trim().min(1).max(63).regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, { error: pm.columnName });
export const categoryName = z
  .string()
  .trim()
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, { error: pm.categoryName });

/** Which column holds which kind of subject identifier (a JSON key for metadata columns). */
export const identifierColumnSchema = z.object({
  column,
  kind: z.enum(identifierKinds),
  /** For jsonb metadata columns (pgvector): the key naming the subject. */
  jsonKey: z.string().trim().min(1).max(127).optional(),
  /** For tenant-scoped user ids: the column holding the tenant. */
  tenantColumn: column.optional(),
});

export const pgTableSchema = z
  .object({
    table: name,
    identifiers: z.array(identifierColumnSchema).default([]),
    /** The subject is found through a parent table: `column` references `parent.parentColumn`. */
    via: z.object({ column, parent: name, parentColumn: column }).optional(),
    categories: z.array(categoryName).min(1, { error: pm.categoriesRequired }),
    method: z.enum(['delete', 'overwrite']),
    /** For `overwrite`: column → replacement (null clears it). */
    overwrite: z.record(column, z.string().max(200).nullable()).optional(),
    /** For retention: the column saying when a row was written. */
    timestampColumn: column.optional(),
    /** For per-tenant retention. */
    tenantColumn: column.optional(),
  })
  .superRefine((t, ctx) => {
    if (t.identifiers.length === 0 && !t.via) {
      ctx.addIssue({ code: 'custom', path: ['identifiers'], message: pm.identifiersOrVia });
    }
    if (t.method === 'overwrite' && Object.keys(t.overwrite ?? {}).length === 0) {
      ctx.addIssue({ code: 'custom', path: ['overwrite'], message: pm.overwriteColumns });
    }
  });
export type PgTableConfig = z.infer<typeof pgTableSchema>;

export const pgStoreConfigSchema = z.object({
  tables: z.array(pgTableSchema).min(1, { error: pm.tablesRequired }),
  /** Rows changed per statement: keeps locks and transactions short on big tables. */
  batchSize: z.number().int().min(100).max(100_000).default(10_000),
});
export type PgStoreConfig = z.infer<typeof pgStoreConfigSchema>;

export const pgCredentialsSchema = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\//, { error: pm.postgresUrl }),
});

const EMAIL_NAME = /(^|_)e?mail(_?address)?$/i;
const USER_NAME = /^(user|owner|author|customer|subject|person|member|account|sender)_?id$/i;
const TENANT_NAME = /^(tenant|org|organisation|organization|workspace)_?id$/i;

function suggest(columnName: string, type: string, hasTenant: boolean): { kind: SubjectIdentifier['kind'] } | undefined {
  if (EMAIL_NAME.test(columnName) && /char|text|citext/.test(type)) return { kind: 'email' };
  if (USER_NAME.test(columnName)) return { kind: hasTenant ? 'tenant_user_id' : 'user_id' };
  return undefined;
}

/** The connector for PostgreSQL tables and pgvector tables (metadata naming the subject). */
export class PostgresConnector implements Connector {
  constructor(
    private readonly client: SqlClient,
    private readonly config: PgStoreConfig,
  ) {}

  /** A query whose failure becomes a ConnectorError naming the cause, never a value or a URL. */
  private async q<T>(text: string, params: unknown[]): Promise<T[]> {
    try {
      return await this.client.query<T>(text, params);
    } catch (error) {
      throw new ConnectorError(safeReason(error), { cause: error });
    }
  }

  async test(): Promise<ConnectionCheck> {
    try {
      const rows = await this.client.query<{ version: string; db: string }>(
        'select current_setting(\'server_version\') as version, current_database() as db',
      );
      return { ok: true, detail: `PostgreSQL ${rows[0]?.version ?? '?'}, database ${rows[0]?.db ?? '?'}` };
    } catch (error) {
      return { ok: false, reason: safeReason(error) };
    }
  }

  async discover(): Promise<Discovery> {
    const columns = await this.client.query<{ tbl: string; col: string; type: string; rows: number | string }>(
      `select case when c.table_schema = 'public' then c.table_name else c.table_schema || '.' || c.table_name end as tbl,
              c.column_name as col, c.udt_name as type, coalesce(greatest(pc.reltuples, 0), 0)::bigint as rows
         from information_schema.columns c
         join pg_namespace n on n.nspname = c.table_schema
         join pg_class pc on pc.relname = c.table_name and pc.relnamespace = n.oid and pc.relkind in ('r', 'p')
        where c.table_schema not in ('pg_catalog', 'information_schema') and c.table_schema not like 'pg\\_%'
        order by 1, c.ordinal_position`,
    );
    const indexed = await this.client.query<{ tbl: string; col: string }>(
      `select case when n.nspname = 'public' then t.relname else n.nspname || '.' || t.relname end as tbl, a.attname as col
         from pg_index i
         join pg_class t on t.oid = i.indrelid
         join pg_namespace n on n.oid = t.relnamespace
         join pg_attribute a on a.attrelid = t.oid and a.attnum = i.indkey[0]
        where n.nspname not in ('pg_catalog', 'information_schema')`,
    );
    const isIndexed = new Set(indexed.map((r) => `${r.tbl}.${r.col}`));
    const references = await this.references();
    const tables = new Map<string, DiscoveredTable>();
    for (const row of columns) {
      let table = tables.get(row.tbl);
      if (!table) {
        table = { name: row.tbl, estimatedRows: Number(row.rows), columns: [], references: references.filter((r) => r.table === row.tbl).map((r) => ({ column: r.column, table: r.parent, column2: r.parentColumn })) };
        tables.set(row.tbl, table);
      }
      table.columns.push({ name: row.col, type: row.type, indexed: isIndexed.has(`${row.tbl}.${row.col}`) });
    }
    const notes: string[] = [];
    for (const table of tables.values()) {
      const hasTenant = table.columns.some((c) => TENANT_NAME.test(c.name));
      for (const c of table.columns) {
        c.suggestion = suggest(c.name, c.type, hasTenant);
        if (c.type === 'jsonb' || c.type === 'json') {
          // Key names only (never values) from a small sample: metadata columns of vector stores.
          const keys = await this.client
            .query<{ key: string }>(
              `select distinct k as key from (select ${ident(c.name)} as m from ${qualified(table.name)} where jsonb_typeof(${ident(c.name)}::jsonb) = 'object' limit 200) s, jsonb_object_keys(s.m::jsonb) k limit 50`,
            )
            .catch(() => []);
          const subjectKey = keys.find((k) => USER_NAME.test(k.key) || EMAIL_NAME.test(k.key));
          if (subjectKey) {
            c.suggestion = { kind: EMAIL_NAME.test(subjectKey.key) ? 'email' : 'user_id', jsonKey: subjectKey.key };
          }
        }
        if (c.suggestion && !c.indexed && !c.suggestion.jsonKey && table.estimatedRows > 100_000) {
          notes.push(`${table.name}.${c.name} looks like an identifier but has no index: erasure will scan ${table.estimatedRows} rows`);
        }
      }
    }
    return { tables: [...tables.values()], notes };
  }

  async checkMapping(): Promise<string[]> {
    const discovery = await this.discover();
    const byName = new Map(discovery.tables.map((t) => [t.name, new Set(t.columns.map((c) => c.name))]));
    const problems: string[] = [];
    const mapped = new Set(this.config.tables.map((t) => t.table));
    for (const t of this.config.tables) {
      const cols = byName.get(t.table);
      if (!cols) {
        problems.push(msg(pm.tableMissing, { table: t.table }));
        continue;
      }
      const needed = [
        ...t.identifiers.flatMap((i) => [i.column, ...(i.tenantColumn ? [i.tenantColumn] : [])]),
        ...(t.via ? [t.via.column] : []),
        ...Object.keys(t.overwrite ?? {}),
        ...(t.timestampColumn ? [t.timestampColumn] : []),
        ...(t.tenantColumn ? [t.tenantColumn] : []),
      ];
      for (const c of needed) if (!cols.has(c)) problems.push(msg(pm.columnMissing, { column: `${t.table}.${c}` }));
      if (t.via && !mapped.has(t.via.parent)) problems.push(msg(pm.viaUnmapped, { table: t.table, parent: t.via.parent }));
    }
    // A parent erased by deletion while an unmapped table still references it would fail midway.
    for (const r of await this.references()) {
      const parent = this.config.tables.find((t) => t.table === r.parent && t.method === 'delete');
      if (parent && !mapped.has(r.table) && r.onDelete !== 'c' && r.onDelete !== 'n') {
        problems.push(msg(pm.unmappedReference, { table: r.table, column: `${r.table}.${r.column}`, parent: r.parent }));
      }
    }
    return problems;
  }

  private async references(): Promise<{ table: string; column: string; parent: string; parentColumn: string; onDelete: string }[]> {
    return this.client.query(
      `select case when cn.nspname = 'public' then c.relname else cn.nspname || '.' || c.relname end as "table",
              a.attname as "column",
              case when pn.nspname = 'public' then p.relname else pn.nspname || '.' || p.relname end as "parent",
              pa.attname as "parentColumn", con.confdeltype as "onDelete"
         from pg_constraint con
         join pg_class c on c.oid = con.conrelid join pg_namespace cn on cn.oid = c.relnamespace
         join pg_class p on p.oid = con.confrelid join pg_namespace pn on pn.oid = p.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attnum = con.conkey[1]
         join pg_attribute pa on pa.attrelid = p.oid and pa.attnum = con.confkey[1]
        where con.contype = 'f'`,
    );
  }

  /**
   * Mapped tables, children before parents: a table that references another (declared
   * foreign key, or a `via` mapping) is erased first, so no delete breaks a reference and
   * no child loses the path by which it is found.
   */
  async targets(): Promise<Target[]> {
    const mapped = new Map(this.config.tables.map((t) => [t.table, t]));
    const edges = new Map<string, Set<string>>(); // child → parents
    for (const t of this.config.tables) edges.set(t.table, new Set(t.via ? [t.via.parent] : []));
    for (const r of await this.references()) {
      if (mapped.has(r.table) && mapped.has(r.parent) && r.table !== r.parent) edges.get(r.table)!.add(r.parent);
    }
    return orderChildrenFirst(edges).map((table) => {
      const t = mapped.get(table)!;
      return { key: table, categories: t.categories, method: t.method };
    });
  }

  private table(target: Target): PgTableConfig {
    const t = this.config.tables.find((x) => x.table === target.key);
    if (!t) throw new ConnectorError(`table ${target.key} is no longer mapped in this store`);
    return t;
  }

  /** The WHERE clause finding the subject's rows in a table, or null when none of its identifiers apply. */
  private predicate(t: PgTableConfig, subject: SubjectIdentifier[], params: unknown[], depth = 0): string | null {
    if (depth > 8) throw new ConnectorError(`the parent chain of ${t.table} is too deep or circular`);
    const parts: string[] = [];
    for (const mapping of t.identifiers) {
      for (const raw of subject.filter((s) => s.kind === mapping.kind)) {
        const id = normaliseIdentifier(raw);
        const col = mapping.jsonKey ? `(${ident(mapping.column)}->>${literalParam(params, mapping.jsonKey)})` : ident(mapping.column);
        const left = id.kind === 'email' ? `lower(${col})` : col;
        params.push(id.value);
        let clause = `${left} = $${params.length}`;
        if (id.kind === 'tenant_user_id' && mapping.tenantColumn) {
          params.push(id.tenant ?? '');
          clause = `(${clause} and ${ident(mapping.tenantColumn)} = $${params.length})`;
        }
        parts.push(clause);
      }
    }
    if (t.via) {
      const parent = this.config.tables.find((x) => x.table === t.via!.parent);
      if (parent) {
        const inner = this.predicate(parent, subject, params, depth + 1);
        if (inner) parts.push(`${ident(t.via.column)} in (select ${ident(t.via.parentColumn)} from ${qualified(parent.table)} where ${inner})`);
      }
    }
    return parts.length ? parts.join(' or ') : null;
  }

  /** Rows of the subject still holding data: for overwrite tables, those not yet overwritten. */
  private remainingPredicate(t: PgTableConfig, subject: SubjectIdentifier[], params: unknown[]): string | null {
    const base = this.predicate(t, subject, params);
    if (!base || t.method === 'delete') return base;
    const differs = Object.entries(t.overwrite ?? {}).map(([c, value]) => {
      if (value === null) return `${ident(c)} is not null`;
      params.push(value);
      return `${ident(c)}::text is distinct from $${params.length}`;
    });
    return `(${base}) and (${differs.join(' or ')})`;
  }

  async count(target: Target, subject: SubjectIdentifier[]): Promise<number> {
    const t = this.table(target);
    const params: unknown[] = [];
    const where = this.predicate(t, subject, params);
    if (!where) return 0;
    const rows = await this.q<{ n: string | number }>(`select count(*) as n from ${qualified(t.table)} where ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  async verify(target: Target, subject: SubjectIdentifier[]): Promise<number> {
    const t = this.table(target);
    const params: unknown[] = [];
    const where = this.remainingPredicate(t, subject, params);
    if (!where) return 0;
    const rows = await this.q<{ n: string | number }>(`select count(*) as n from ${qualified(t.table)} where ${where}`, params);
    return Number(rows[0]?.n ?? 0);
  }

  /**
   * Deletes or overwrites in batches of `batchSize` rows (by ctid), each its own short
   * statement, so writers are never blocked for long and a crash loses at most one batch
   * of progress. Running it again changes nothing more: it is idempotent.
   */
  async erase(target: Target, subject: SubjectIdentifier[], context: EraseContext): Promise<number> {
    const t = this.table(target);
    const params: unknown[] = [];
    const where = this.remainingPredicate(t, subject, params);
    if (!where) return 0;
    params.push(this.config.batchSize);
    const limit = `$${params.length}`;
    const pick = `ctid = any(array(select ctid from ${qualified(t.table)} where ${where} limit ${limit}))`;
    let statement: string;
    if (t.method === 'delete') {
      statement = `with gone as (delete from ${qualified(t.table)} where ${pick} returning 1) select count(*) as n from gone`;
    } else {
      const sets = Object.entries(t.overwrite ?? {}).map(([c, value]) => {
        if (value === null) return `${ident(c)} = null`;
        params.push(value);
        return `${ident(c)} = $${params.length}`;
      });
      statement = `with changed as (update ${qualified(t.table)} set ${sets.join(', ')} where ${pick} returning 1) select count(*) as n from changed`;
    }
    let total = 0;
    for (;;) {
      if (context.signal?.aborted) throw context.signal.reason;
      const rows = await this.q<{ n: string | number }>(statement, params);
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n < this.config.batchSize) return total;
    }
  }

  /** Retention: deletes or anonymises rows older than `cutoff` in batches; reports each batch. */
  async purgeOlderThan(
    tableName: string,
    cutoff: Date,
    options: { action: 'delete' | 'anonymise'; tenant?: string | null; batchSize?: number; signal?: AbortSignal; onBatch?: (n: number) => Promise<void> },
  ): Promise<number> {
    const t = this.config.tables.find((x) => x.table === tableName);
    if (!t?.timestampColumn) throw new ConnectorError(`table ${tableName} has no timestamp column mapped for retention`);
    const params: unknown[] = [cutoff.toISOString()];
    let where = `${ident(t.timestampColumn)} < $1`;
    if (options.tenant) {
      if (!t.tenantColumn) throw new ConnectorError(`table ${tableName} has no tenant column mapped`);
      params.push(options.tenant);
      where += ` and ${ident(t.tenantColumn)} = $${params.length}`;
    }
    let statement: string;
    if (options.action === 'delete') {
      // A row another table still references stays until its children age out too (the
      // purge runs children first), so no run ever breaks a reference.
      const children = [
        ...(await this.references()).filter((r) => r.parent === t.table && r.table !== t.table).map((r) => ({ table: r.table, column: r.column, parentColumn: r.parentColumn })),
        ...this.config.tables.filter((x) => x.via?.parent === t.table).map((x) => ({ table: x.table, column: x.via!.column, parentColumn: x.via!.parentColumn })),
      ];
      for (const c of children) {
        where += ` and not exists (select 1 from ${qualified(c.table)} c where c.${ident(c.column)} = ${qualified(t.table)}.${ident(c.parentColumn)})`;
      }
      params.push(options.batchSize ?? this.config.batchSize);
      statement = `with gone as (delete from ${qualified(t.table)} where ctid = any(array(select ctid from ${qualified(t.table)} where ${where} limit $${params.length}))
        returning 1) select count(*) as n from gone`;
    } else {
      const entries = Object.entries(t.overwrite ?? {});
      if (entries.length === 0) throw new ConnectorError(`table ${tableName} has no columns mapped to overwrite, so it cannot be anonymised`);
      const differs: string[] = [];
      const sets = entries.map(([c, value]) => {
        if (value === null) {
          differs.push(`${ident(c)} is not null`);
          return `${ident(c)} = null`;
        }
        params.push(value);
        differs.push(`${ident(c)}::text is distinct from $${params.length}`);
        return `${ident(c)} = $${params.length}`;
      });
      params.push(options.batchSize ?? this.config.batchSize);
      statement = `with changed as (update ${qualified(t.table)} set ${sets.join(', ')} where ctid = any(array(select ctid from ${qualified(t.table)}
        where ${where} and (${differs.join(' or ')}) limit $${params.length})) returning 1) select count(*) as n from changed`;
    }
    const size = Number(params[params.length - 1]);
    let total = 0;
    for (;;) {
      if (options.signal?.aborted) throw options.signal.reason;
      const rows = await this.q<{ n: string | number }>(statement, params);
      const n = Number(rows[0]?.n ?? 0);
      total += n;
      if (n > 0) await options.onBatch?.(n);
      if (n < size) return total;
    }
  }

  /** The mapped tables (for retention). */
  tables(): PgTableConfig[] {
    return this.config.tables;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

function literalParam(params: unknown[], value: string): string {
  params.push(value);
  return `$${params.length}::text`;
}

/** Topological order, children (tables that reference others) first; a cycle is refused. */
export function orderChildrenFirst(parentsOf: Map<string, Set<string>>): string[] {
  const childrenOf = new Map<string, Set<string>>();
  for (const [child, parents] of parentsOf) {
    for (const p of parents) {
      if (!childrenOf.has(p)) childrenOf.set(p, new Set());
      childrenOf.get(p)!.add(child);
    }
  }
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: string, path: string[]) => {
    if (state.get(table) === 'done') return;
    if (state.get(table) === 'visiting') throw new ConnectorError(`the tables reference each other in a cycle: ${[...path, table].join(' → ')}`);
    state.set(table, 'visiting');
    // Every child must come before this table.
    for (const child of [...(childrenOf.get(table) ?? [])].sort()) visit(child, [...path, table]);
    state.set(table, 'done');
    order.push(table);
  };
  for (const table of [...parentsOf.keys()].sort()) visit(table, []);
  return order;
}

/** A message about a failed connection that names no host, user or password. */
export function safeReason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.code === 'ENOTFOUND') return 'host not found';
  if (e.code === 'ETIMEDOUT' || e.code === 'CONNECT_TIMEOUT') return 'connection timed out';
  if (e.code === '28P01' || e.code === '28000') return 'authentication failed';
  if (e.code === '3D000') return 'database does not exist';
  if (e.code === '42P01') return 'a mapped table does not exist';
  if (e.code === '42703') return 'a mapped column does not exist';
  if (e.code === '23503') return 'a row is still referenced by a table that is not mapped (foreign key)';
  if (e.code === '57014') return 'statement cancelled (timeout)';
  if (error instanceof ConnectorError) return error.message;
  return e.code ? `database error ${e.code}` : 'connection failed';
}

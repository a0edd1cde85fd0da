import type * as Redis from 'redis';
import { z } from 'zod';
import { identifierKinds, normaliseIdentifier, type SubjectIdentifier } from '../crypto';
import { categoryName } from './postgres';
import { type ConnectionCheck, type Connector, ConnectorError, type Discovery, type EraseContext, type Target } from './types';
import { privacyMessages as pm } from '../messages';

const SUBJECT = '{subject}';
const TENANT = '{tenant}';

const pattern = z
  .string()
  .trim()
  .min(1)
  .max(500);

export const redisStoreConfigSchema = z
  .object({
    /** Whole keys to unlink: a pattern with {subject} (and {tenant} for tenant-scoped ids). */
    keys: z
      .array(
        z.object({
          pattern,
          kind: z.enum(identifierKinds),
          categories: z.array(categoryName).min(1, { error: pm.categoriesRequired }),
          /**
           * For retention: the hash field holding when the key was written, as Unix time in
           * seconds or milliseconds. Keys without it (or not hashes) are never purged by age.
           */
          timestampField: z.string().trim().min(1).max(200).optional(),
        }),
      )
      .default([]),
    /** Fields to delete inside hashes: key pattern (may hold {subject}) and field pattern with {subject}. */
    hashFields: z
      .array(z.object({ key: pattern, field: pattern, kind: z.enum(identifierKinds), categories: z.array(categoryName).min(1, { error: pm.categoriesRequired }) }))
      .default([]),
  })
  .superRefine((c, ctx) => {
    c.keys.forEach((k, i) => {
      if (!k.pattern.includes(SUBJECT)) ctx.addIssue({ code: 'custom', path: ['keys', i, 'pattern'], message: pm.patternSubject });
    });
    c.hashFields.forEach((h, i) => {
      if (!h.field.includes(SUBJECT) && !h.key.includes(SUBJECT)) {
        ctx.addIssue({ code: 'custom', path: ['hashFields', i, 'field'], message: pm.hashSubject });
      }
    });
    if (c.keys.length + c.hashFields.length === 0) ctx.addIssue({ code: 'custom', path: ['keys'], message: pm.redisMappingEmpty });
  });
export type RedisStoreConfig = z.infer<typeof redisStoreConfigSchema>;

export const redisCredentialsSchema = z.object({
  url: z.string().regex(/^rediss?:\/\//, { error: pm.redisUrl }),
});

/** Escapes Redis glob characters, so an identifier such as `a*b` matches only itself. */
export function escapeGlob(value: string): string {
  return value.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function fill(template: string, id: SubjectIdentifier): string {
  return template.replaceAll(SUBJECT, escapeGlob(id.value)).replaceAll(TENANT, escapeGlob(id.tenant ?? ''));
}

function hasGlob(filled: string): boolean {
  return /(^|[^\\])[*?[]/.test(filled);
}

function unescapeGlob(filled: string): string {
  return filled.replace(/\\(.)/g, '$1');
}

type Client = ReturnType<typeof Redis.createClient>;

/** Redis: key patterns (SCAN + UNLINK) and hash fields (HSCAN/HEXISTS + HDEL). */
export class RedisConnector implements Connector {
  private client: Client | undefined;

  constructor(
    private readonly url: string,
    private readonly config: RedisStoreConfig,
  ) {}

  private async connection(): Promise<Client> {
    if (!this.client) {
      // The client library loads with the first Redis store used, not when the server starts.
      const { createClient } = await import('redis');
      const client = createClient({ url: this.url, socket: { connectTimeout: 5_000, reconnectStrategy: false } });
      // Errors surface on the command that failed; the event must still be handled (and never logs the URL).
      client.on('error', () => {});
      await client.connect();
      this.client = client;
    }
    return this.client;
  }

  async test(): Promise<ConnectionCheck> {
    try {
      const client = await this.connection();
      const info = await client.info('server');
      const version = /redis_version:(\S+)/.exec(info)?.[1] ?? '?';
      return { ok: true, detail: `Redis ${version}, ${await client.dbSize()} keys` };
    } catch (error) {
      return { ok: false, reason: redisReason(error) };
    }
  }

  async discover(): Promise<Discovery> {
    const client = await this.connection();
    // Shapes of keys only: digits and long tokens are folded so no identifier is shown.
    const shapes = new Map<string, number>();
    let seen = 0;
    for await (const keys of client.scanIterator({ COUNT: 500 })) {
      for (const key of keys) {
        const shape = key.replace(/[^:{}]*@[^:{}]*/g, '{email}').replace(/\b[0-9a-f-]{8,}\b|\b\d+\b/gi, '{id}');
        shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
      }
      seen += keys.length;
      if (seen >= 5_000) break;
    }
    const notes = [...shapes.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 30)
      .map(([shape, n]) => `${shape} (${n} keys in a sample of ${seen})`);
    return { tables: [], notes };
  }

  async checkMapping(): Promise<string[]> {
    return [];
  }

  async targets(): Promise<Target[]> {
    return [
      ...this.config.keys.map((k): Target => ({ key: `keys:${k.pattern}`, categories: k.categories, method: 'unlink' })),
      ...this.config.hashFields.map((h): Target => ({ key: `hash:${h.key}#${h.field}`, categories: h.categories, method: 'hdel' })),
    ];
  }

  private async matchingKeys(client: Client, template: string, subject: SubjectIdentifier[], kind: string): Promise<string[]> {
    const found = new Set<string>();
    for (const raw of subject.filter((s) => s.kind === kind)) {
      const filled = fill(template, normaliseIdentifier(raw));
      if (!hasGlob(filled)) {
        const key = unescapeGlob(filled);
        if (await client.exists(key)) found.add(key);
        continue;
      }
      for await (const keys of client.scanIterator({ MATCH: filled, COUNT: 1000 })) for (const k of keys) found.add(k);
    }
    return [...found];
  }

  private async matchingFields(client: Client, spec: RedisStoreConfig['hashFields'][number], subject: SubjectIdentifier[]) {
    const found: { key: string; field: string }[] = [];
    for (const raw of subject.filter((s) => s.kind === spec.kind)) {
      const id = normaliseIdentifier(raw);
      const keys = await this.matchingKeys(client, spec.key, [id], spec.kind);
      const fieldPattern = fill(spec.field, id);
      for (const key of keys) {
        if (!hasGlob(fieldPattern)) {
          const field = unescapeGlob(fieldPattern);
          if (await client.hExists(key, field)) found.push({ key, field });
          continue;
        }
        for await (const entries of client.hScanIterator(key, { MATCH: fieldPattern, COUNT: 1000 })) {
          for (const e of entries) found.push({ key, field: e.field });
        }
      }
    }
    return found;
  }

  private spec(target: Target) {
    if (target.method === 'unlink') {
      const k = this.config.keys.find((x) => `keys:${x.pattern}` === target.key);
      if (k) return { type: 'keys' as const, k };
    } else {
      const h = this.config.hashFields.find((x) => `hash:${x.key}#${x.field}` === target.key);
      if (h) return { type: 'hash' as const, h };
    }
    throw new ConnectorError(`${target.key} is no longer mapped in this store`);
  }

  async count(target: Target, subject: SubjectIdentifier[]): Promise<number> {
    const client = await this.connection();
    const s = this.spec(target);
    if (s.type === 'keys') return (await this.matchingKeys(client, s.k.pattern, subject, s.k.kind)).length;
    return (await this.matchingFields(client, s.h, subject)).length;
  }

  verify(target: Target, subject: SubjectIdentifier[]): Promise<number> {
    return this.count(target, subject);
  }

  async erase(target: Target, subject: SubjectIdentifier[], context: EraseContext): Promise<number> {
    const client = await this.connection();
    const s = this.spec(target);
    let total = 0;
    if (s.type === 'keys') {
      const keys = await this.matchingKeys(client, s.k.pattern, subject, s.k.kind);
      for (let i = 0; i < keys.length; i += 500) {
        if (context.signal?.aborted) throw context.signal.reason;
        total += await client.unlink(keys.slice(i, i + 500));
      }
      return total;
    }
    const fields = await this.matchingFields(client, s.h, subject);
    const byKey = new Map<string, string[]>();
    for (const f of fields) byKey.set(f.key, [...(byKey.get(f.key) ?? []), f.field]);
    for (const [key, list] of byKey) {
      if (context.signal?.aborted) throw context.signal.reason;
      total += await client.hDel(key, list);
    }
    return total;
  }

  /**
   * Retention: unlinks keys of a mapped pattern (any subject; `tenant` fills {tenant}) whose
   * timestamp field is older than the cutoff. Each SCAN batch is checked and unlinked in one
   * server-side script, so a key rewritten meanwhile is judged by its new timestamp. Keys
   * without a numeric timestamp (or not hashes) are left alone and counted as undated.
   */
  async purgeOlderThan(
    keyPattern: string,
    cutoff: Date,
    options: { tenant?: string | null; signal?: AbortSignal; onBatch?: (removed: number) => Promise<void> } = {},
  ): Promise<{ removed: number; undated: number }> {
    const spec = this.config.keys.find((k) => k.pattern === keyPattern);
    if (!spec) throw new ConnectorError(`keys:${keyPattern} is no longer mapped in this store`);
    if (!spec.timestampField) throw new ConnectorError(`keys:${keyPattern} has no timestamp field mapped for retention`);
    if (options.tenant && !spec.pattern.includes(TENANT)) throw new ConnectorError(`keys:${keyPattern} has no {tenant} to purge one tenant`);
    const match = spec.pattern.replaceAll(SUBJECT, '*').replaceAll(TENANT, options.tenant ? escapeGlob(options.tenant) : '*');
    const client = await this.connection();
    let removed = 0;
    let undated = 0;
    for await (const keys of client.scanIterator({ MATCH: match, COUNT: 1000 })) {
      if (options.signal?.aborted) throw options.signal.reason;
      if (!keys.length) continue;
      const [r, u] = (await client.eval(PURGE_SCRIPT, { keys, arguments: [spec.timestampField, String(cutoff.getTime() / 1000)] })) as [number, number];
      removed += r;
      undated += u;
      if (r && options.onBatch) await options.onBatch(r);
    }
    return { removed, undated };
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client?.isOpen) await client.quit().catch(() => client.destroy());
  }
}

/**
 * KEYS: one SCAN batch; ARGV: timestamp field, cutoff in Unix seconds. Unix time above 1e11
 * is read as milliseconds. Returns { unlinked, undated }.
 */
const PURGE_SCRIPT = `
local removed, undated = 0, 0
local cutoff = tonumber(ARGV[2])
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    local value = redis.pcall('HGET', key, ARGV[1])
    local t = nil
    if type(value) == 'string' then t = tonumber(value) end
    if t == nil then
      undated = undated + 1
    else
      if t > 100000000000 then t = t / 1000 end
      if t < cutoff then
        redis.call('UNLINK', key)
        removed = removed + 1
      end
    end
  end
end
return { removed, undated }`;

function redisReason(error: unknown): string {
  const e = error as { code?: string; message?: string };
  if (e.code === 'ECONNREFUSED') return 'connection refused';
  if (e.code === 'ENOTFOUND') return 'host not found';
  if (/WRONGPASS|NOAUTH/.test(e.message ?? '')) return 'authentication failed';
  if (/timeout/i.test(e.message ?? '')) return 'connection timed out';
  return 'connection failed';
}

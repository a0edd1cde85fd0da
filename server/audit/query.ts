import { type SQL, and, asc, desc, eq, gt, gte, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, getDb } from '../../db/client';
import { auditEvents } from '../../db/schema/audit';
import { InputError, NotFoundError } from '../core/errors';
import { type JsonDiffEntry, diffJson } from './diff';
import { auditMessages as m } from './messages';

/** What the audit list can be narrowed by; every field optional, all of them combine (AND). */
export interface AuditFilters {
  /** Exact actor name, or the actor's user id when it is a UUID. */
  actor?: string | undefined;
  /** Action prefix: `user.` finds `user.create` and `user.delete`. */
  action?: string | undefined;
  targetType?: string | undefined;
  targetId?: string | undefined;
  /** Inclusive lower bound of occurred_at. */
  from?: Date | undefined;
  /** Exclusive upper bound of occurred_at. */
  to?: Date | undefined;
}

export const auditOrders = ['newest', 'oldest'] as const;
export type AuditOrder = (typeof auditOrders)[number];
export type AuditDirection = 'older' | 'newer';

/** An event as the list shows it (before/after stay in the database until asked for). */
export interface AuditEventSummary {
  id: number;
  occurredAt: Date;
  actorId: string | null;
  actorName: string;
  actorRoles: string[];
  action: string;
  targetType: string;
  targetId: string | null;
  requestId: string | null;
  clientAddress: string | null;
}

/** A whole stored event, hashes included. */
export interface AuditEvent extends AuditEventSummary {
  before: unknown;
  after: unknown;
  prevHash: string;
  hash: string;
}

export interface ListAuditEventsInput {
  filters?: AuditFilters;
  /** An event id; the page holds events strictly older (`direction: 'older'`) or newer than it. */
  cursor?: number | null | undefined;
  direction?: AuditDirection;
  /** Display order, and where the first page (no cursor) starts. */
  order?: AuditOrder;
  limit?: number;
}

export interface AuditEventPage {
  /** In display order. */
  events: AuditEventSummary[];
  /** Cursor for the next older page (pass with direction 'older'), or null when there is none. */
  older: number | null;
  /** Cursor for the next newer page (pass with direction 'newer'), or null when there is none. */
  newer: number | null;
}

export const defaultPageSize = 50;
export const maxPageSize = 500;

export const summaryColumns = {
  id: auditEvents.id,
  occurredAt: auditEvents.occurredAt,
  actorId: auditEvents.actorId,
  actorName: auditEvents.actorName,
  actorRoles: auditEvents.actorRoles,
  action: auditEvents.action,
  targetType: auditEvents.targetType,
  targetId: auditEvents.targetId,
  requestId: auditEvents.requestId,
  clientAddress: auditEvents.clientAddress,
};

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** SQL conditions for the filters (shared by the list and the export). */
export function filterConditions(filters: AuditFilters = {}): SQL[] {
  const conditions: SQL[] = [];
  if (filters.actor) {
    conditions.push(
      uuidPattern.test(filters.actor)
        ? eq(auditEvents.actorId, filters.actor.toLowerCase())
        : eq(auditEvents.actorName, filters.actor),
    );
  }
  if (filters.action) conditions.push(sql`${auditEvents.action} like ${`${escapeLike(filters.action)}%`}`);
  if (filters.targetType) conditions.push(eq(auditEvents.targetType, filters.targetType));
  if (filters.targetId) conditions.push(eq(auditEvents.targetId, filters.targetId));
  if (filters.from) conditions.push(gte(auditEvents.occurredAt, filters.from));
  if (filters.to) conditions.push(lt(auditEvents.occurredAt, filters.to));
  return conditions;
}

async function anyMatching(db: Executor, conditions: SQL[]): Promise<boolean> {
  const rows = await db
    .select({ id: auditEvents.id })
    .from(auditEvents)
    .where(and(...conditions))
    .limit(1);
  return rows.length > 0;
}

/**
 * One page of events, keyset-paginated by id in either direction (never OFFSET, so a
 * page 90,000 events back costs what the first one does).
 */
export async function listAuditEvents(
  { filters = {}, cursor = null, direction = 'older', order = 'newest', limit = defaultPageSize }: ListAuditEventsInput,
  db: Executor = getDb(),
): Promise<AuditEventPage> {
  const size = Math.min(Math.max(1, Math.trunc(limit)), maxPageSize);
  const base = filterConditions(filters);
  const goingNewer = cursor === null ? order === 'oldest' : direction === 'newer';
  const conditions = [...base];
  if (cursor !== null) conditions.push(goingNewer ? gt(auditEvents.id, cursor) : lt(auditEvents.id, cursor));
  const rows = await db
    .select(summaryColumns)
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(goingNewer ? asc(auditEvents.id) : desc(auditEvents.id))
    .limit(size + 1);
  const more = rows.length > size;
  const page = rows.slice(0, size);

  let older: number | null = null;
  let newer: number | null = null;
  if (page.length > 0) {
    const first = page[0]!.id;
    const last = page[page.length - 1]!.id;
    const minId = Math.min(first, last);
    const maxId = Math.max(first, last);
    if (goingNewer) {
      newer = more ? maxId : null;
      // Without a cursor this is the very oldest page: nothing older can exist.
      if (cursor !== null && (await anyMatching(db, [...base, lt(auditEvents.id, minId)]))) older = minId;
    } else {
      older = more ? minId : null;
      if (cursor !== null && (await anyMatching(db, [...base, gt(auditEvents.id, maxId)]))) newer = maxId;
    }
  } else if (cursor !== null) {
    // Walked past the end: offer the way back to what lies on the other side of the cursor.
    if (goingNewer) {
      if (await anyMatching(db, [...base, lt(auditEvents.id, cursor + 1)])) older = cursor + 1;
    } else if (await anyMatching(db, [...base, gt(auditEvents.id, cursor - 1)])) {
      newer = cursor - 1;
    }
  }
  const events = order === 'newest' ? page.sort((a, b) => b.id - a.id) : page.sort((a, b) => a.id - b.id);
  return { events, older, newer };
}

/** One event with its before/after diff; NotFoundError when the id does not exist. */
export async function getAuditEvent(
  id: number,
  db: Executor = getDb(),
): Promise<{ event: AuditEvent; diff: JsonDiffEntry[] }> {
  const [event] = await db.select().from(auditEvents).where(eq(auditEvents.id, id)).limit(1);
  if (!event) throw new NotFoundError(m.notFound);
  return { event, diff: diffJson(event.before, event.after) };
}

// ---------------------------------------------------------------------------------------
// Parsing the list's query (URL search params) into filters, with errors per field.

const timePattern =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a time bound. Without an offset it is UTC (the page says so). With `end`, the
 * bound covers the whole unit written: `2025-03-01` up to the end of that day, `10:30` up
 * to the end of that minute — what a person means by "to".
 */
export function parseTimeBound(text: string, end: boolean): Date | null {
  const m = timePattern.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, ms, zone] = m;
  const offsetMinutes = (() => {
    if (!zone || zone.toUpperCase() === 'Z') return 0;
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  })();
  const fields = [y, mo, d, h ?? '0', mi ?? '0', s ?? '0', (ms ?? '0').padEnd(3, '0')].map(Number) as [
    number, number, number, number, number, number, number,
  ];
  const [year, month, day, hour, minute, second, milli] = fields;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, milli);
  const check = new Date(utc);
  if (check.getUTCDate() !== day || check.getUTCMonth() !== month - 1) return null;
  let time = utc - offsetMinutes * 60_000;
  if (end) {
    const unit = ms !== undefined ? 1 : s !== undefined ? 1000 : mi !== undefined ? 60_000 : 86_400_000;
    time += unit;
  }
  return new Date(time);
}

const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, m.tooLong)
    .optional()
    .transform((v) => (v ? v : undefined));

const eventId = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    if (!/^[1-9]\d{0,14}$/.test(v)) {
      ctx.addIssue({ code: 'custom', message: m.cursor });
      return z.NEVER;
    }
    return Number(v);
  });

const rawQuerySchema = z.object({
  actor: text(200),
  action: text(200),
  targetType: text(100),
  targetId: text(200),
  from: text(40),
  to: text(40),
  before: eventId,
  after: eventId,
  order: z.enum(auditOrders, { error: m.order }).default('newest'),
});

export type RawAuditQuery = z.input<typeof rawQuerySchema>;

export interface AuditQuery {
  filters: AuditFilters;
  cursor: number | null;
  direction: AuditDirection;
  order: AuditOrder;
}

/**
 * Validates the list's query. `before` = events older than that id, `after` = newer.
 * Throws InputError whose fieldErrors name the offending field.
 */
export function parseAuditQuery(raw: Record<string, string | null | undefined>): AuditQuery {
  const cleaned = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== null && v !== undefined));
  const result = rawQuerySchema.safeParse(cleaned);
  const fieldErrors: Record<string, string[]> = {};
  const add = (field: string, message: string) => (fieldErrors[field] ??= []).push(message);
  if (!result.success) {
    for (const issue of result.error.issues) {
      add(String(issue.path[0] ?? 'query'), issue.message.startsWith('audit.') ? issue.message : m.filters);
    }
    throw new InputError(m.filters, fieldErrors);
  }
  const q = result.data;
  const from = q.from ? parseTimeBound(q.from, false) : undefined;
  const to = q.to ? parseTimeBound(q.to, true) : undefined;
  if (from === null) add('from', m.time);
  if (to === null) add('to', m.time);
  if (from && to && from >= to) add('to', m.range);
  if (q.before !== undefined && q.after !== undefined) add('before', m.twoCursors);
  if (Object.keys(fieldErrors).length > 0) throw new InputError(m.filters, fieldErrors);
  return {
    filters: {
      actor: q.actor,
      action: q.action,
      targetType: q.targetType,
      targetId: q.targetId,
      from: from ?? undefined,
      to: to ?? undefined,
    },
    cursor: q.before ?? q.after ?? null,
    direction: q.after !== undefined ? 'newer' : 'older',
    order: q.order,
  };
}

import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { type Executor, getDb } from '../../db/client';
import { holdGrounds, holdKinds, privacyHolds } from '../../db/schema/privacy';
import { type AuditActor, recordAudit } from '../audit';
import { NotFoundError } from '../core/errors';
import { parseInput, requireUuid } from './validation';
import { categoryName } from './connectors/postgres';
import { isCalendarDate, todayUtc } from './deadline';
import { privacyMessages as pm } from './messages';

export const holdInputSchema = z
  .object({
    kind: z.enum(holdKinds),
    ground: z.enum(holdGrounds),
    storeId: z.uuid({ error: pm.chooseStore }).optional().or(z.literal('').transform(() => undefined)),
    category: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .pipe(z.union([categoryName, z.string().regex(/^[a-z][a-z0-9_.]*\.\*$/, { error: pm.holdCategory })]).optional()),
    description: z.string().trim().min(10, { error: pm.holdDescription }).max(2000),
    expiresOn: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || isCalendarDate(v), { error: pm.dateFormat }),
  })
  .refine((h) => h.storeId || h.category, { path: ['category'], error: pm.holdScope });
export type HoldInput = z.input<typeof holdInputSchema>;

export type Hold = typeof privacyHolds.$inferSelect;

/** Places a legal hold or records an Art. 17(3) exemption. */
export async function createHold(input: HoldInput, actor: AuditActor): Promise<Hold> {
  const h = parseInput(holdInputSchema, input);
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(privacyHolds)
      .values({ kind: h.kind, ground: h.ground, storeId: h.storeId ?? null, category: h.category ?? null, description: h.description, expiresOn: h.expiresOn ?? null, createdBy: actor.name })
      .returning();
    await recordAudit(tx, { actor, action: 'privacy.hold.create', targetType: 'privacy_hold', targetId: row!.id, after: row });
    return row!;
  });
}

/** Releases a hold (kept for the record). */
export async function releaseHold(id: string, actor: AuditActor): Promise<void> {
  requireUuid(id, 'hold');
  await getDb().transaction(async (tx) => {
    const [row] = await tx.update(privacyHolds).set({ releasedAt: new Date() }).where(and(eq(privacyHolds.id, id), isNull(privacyHolds.releasedAt))).returning();
    if (!row) throw new NotFoundError('No such active hold.');
    await recordAudit(tx, { actor, action: 'privacy.hold.release', targetType: 'privacy_hold', targetId: id, after: { releasedAt: row.releasedAt } });
  });
}

/** All holds, newest first. */
export async function listHolds(db: Executor = getDb()): Promise<Hold[]> {
  return db.select().from(privacyHolds).orderBy(desc(privacyHolds.createdAt));
}

/** Holds in force on `today`: not released, not expired. */
export async function activeHolds(db: Executor = getDb(), today = todayUtc()): Promise<Hold[]> {
  const all = await db.select().from(privacyHolds).where(isNull(privacyHolds.releasedAt));
  return all.filter((h) => !h.expiresOn || h.expiresOn >= today);
}

/** True when `pattern` (a category or `prefix.*`) covers `category`. */
export function categoryMatches(pattern: string, category: string): boolean {
  if (pattern.endsWith('.*')) return category.startsWith(pattern.slice(0, -1)) || category === pattern.slice(0, -2);
  return pattern === category;
}

/**
 * The holds that stop erasure at a target: scoped to its store (or to any store) and
 * covering one of its categories (or all of them). A target with several categories is
 * refused whole when any one is held: its rows hold all of them together.
 */
export function holdsFor(holds: Hold[], storeId: string, categories: string[]): Hold[] {
  return holds.filter(
    (h) => (h.storeId === null || h.storeId === storeId) && (h.category === null || categories.some((c) => categoryMatches(h.category!, c))),
  );
}

import net from 'node:net';
import { and, eq, inArray, isNull, lt, or } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { signInThrottle } from '../../db/schema/auth';
import { sha256Hex } from './secrets';

/**
 * Failed sign-ins allowed per window before a lock, per account and per client address.
 * Each further lock doubles, up to maxLockMinutes; a quiet day forgets past locks. The cap
 * keeps an attacker from locking a real user out for long by guessing on their name.
 */
export const throttlePolicy = {
  windowMinutes: 15,
  accountLimit: 5,
  addressLimit: 20,
  baseLockMinutes: 5,
  maxLockMinutes: 60,
  forgetLocksAfterHours: 24,
} as const;

export interface ThrottleKey {
  key: string;
  limit: number;
}

/**
 * The counters a sign-in attempt is charged to. The account key is hashed so the table
 * never holds a list of guessed names; IPv6 addresses count per /64, which one client
 * usually owns whole.
 */
export function throttleKeys(username: string, clientAddress: string | null | undefined): ThrottleKey[] {
  return [
    { key: `account:${sha256Hex(username.trim().toLowerCase())}`, limit: throttlePolicy.accountLimit },
    { key: `address:${addressBucket(clientAddress)}`, limit: throttlePolicy.addressLimit },
  ];
}

export function addressBucket(address: string | null | undefined): string {
  if (!address) return 'unknown';
  const plain = address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (!net.isIPv6(plain)) return plain;
  return `${expandIpv6(plain).slice(0, 4).join(':')}::/64`;
}

function expandIpv6(address: string): string[] {
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = address.includes('::') && tail ? tail.split(':') : [];
  const missing = 8 - h.length - t.length;
  return [...h, ...Array<string>(Math.max(missing, 0)).fill('0'), ...t].map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''));
}

/** The latest lock among the keys that is still running, or null. */
export async function activeLock(keys: ThrottleKey[], now = new Date()): Promise<Date | null> {
  const rows = await getDb()
    .select({ lockedUntil: signInThrottle.lockedUntil })
    .from(signInThrottle)
    .where(inArray(signInThrottle.key, keys.map((k) => k.key)));
  let latest: Date | null = null;
  for (const row of rows) {
    if (row.lockedUntil && row.lockedUntil > now && (!latest || row.lockedUntil > latest)) latest = row.lockedUntil;
  }
  return latest;
}

export interface FailureOutcome {
  /** Set when this failure started a lock. */
  lockedUntil: Date | null;
  /** The keys that this failure locked. */
  lockedKeys: string[];
}

/** Counts a failed attempt against every key; starts a lock on keys that reach their limit. */
export async function recordFailure(keys: ThrottleKey[], now = new Date()): Promise<FailureOutcome> {
  const outcome: FailureOutcome = { lockedUntil: null, lockedKeys: [] };
  await getDb().transaction(async (tx) => {
    for (const { key, limit } of keys) {
      // Creates the row if needed, then locks it, so concurrent failures count one by one.
      await tx.insert(signInThrottle).values({ key, failures: 0, windowStartedAt: now }).onConflictDoNothing();
      const [row] = await tx.select().from(signInThrottle).where(eq(signInThrottle.key, key)).for('update');
      if (!row) continue;
      const windowMs = throttlePolicy.windowMinutes * 60_000;
      const windowExpired = now.getTime() - row.windowStartedAt.getTime() > windowMs;
      const lastActivity = Math.max(row.windowStartedAt.getTime(), row.lockedUntil?.getTime() ?? 0);
      let locks = now.getTime() - lastActivity > throttlePolicy.forgetLocksAfterHours * 3_600_000 ? 0 : row.locks;
      let failures = windowExpired ? 1 : row.failures + 1;
      let windowStartedAt = windowExpired ? now : row.windowStartedAt;
      let lockedUntil = row.lockedUntil;
      if (failures >= limit) {
        locks += 1;
        const minutes = Math.min(throttlePolicy.baseLockMinutes * 2 ** (locks - 1), throttlePolicy.maxLockMinutes);
        lockedUntil = new Date(now.getTime() + minutes * 60_000);
        failures = 0;
        windowStartedAt = now;
        outcome.lockedKeys.push(key);
        if (!outcome.lockedUntil || lockedUntil > outcome.lockedUntil) outcome.lockedUntil = lockedUntil;
      }
      await tx
        .update(signInThrottle)
        .set({ failures, windowStartedAt, lockedUntil, locks })
        .where(eq(signInThrottle.key, key));
    }
  });
  return outcome;
}

/** Forgets an account's failures after a successful sign-in (the address keeps its count). */
export async function clearAccountThrottle(keys: ThrottleKey[]): Promise<void> {
  const accountKeys = keys.filter((k) => k.key.startsWith('account:')).map((k) => k.key);
  if (accountKeys.length === 0) return;
  await getDb().delete(signInThrottle).where(inArray(signInThrottle.key, accountKeys));
}

/** Removes counters that no longer matter (no lock running, window and memory of locks past). */
export async function cleanupThrottle(now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - throttlePolicy.forgetLocksAfterHours * 3_600_000);
  const removed = await getDb()
    .delete(signInThrottle)
    .where(
      and(
        lt(signInThrottle.windowStartedAt, cutoff),
        or(isNull(signInThrottle.lockedUntil), lt(signInThrottle.lockedUntil, cutoff)),
      ),
    )
    .returning({ key: signInThrottle.key });
  return removed.length;
}

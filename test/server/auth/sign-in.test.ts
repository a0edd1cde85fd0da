import { eq } from 'drizzle-orm';
import { sessions, signInThrottle } from '../../../db/schema/auth';
import {
  authMessages,
  changeOwnPassword,
  currentScryptParams,
  resolveSession,
  signIn,
  throttleKeys,
  throttlePolicy,
} from '../../../server/auth';
import { addressBucket, recordFailure } from '../../../server/auth/throttle';
import { sha256Hex } from '../../../server/auth/secrets';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestSession, createTestUser, userRow } from '../../support/auth';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

let addressCounter = 0;
/** A fresh client address per test, so address counters do not leak between tests. */
function freshAddress() {
  addressCounter += 1;
  return `10.1.${Math.floor(addressCounter / 250)}.${addressCounter % 250}`;
}

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; fieldErrors?: Record<string, string[]>; retryAfter?: number };
  }
  throw new Error('expected a refusal');
}

describe('signIn', () => {
  it('starts a session for the right password and audits the sign-in', async () => {
    const user = await createTestUser({ roles: ['operator'] });
    const result = await signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() });
    expect(result.user.id).toBe(user.id);
    expect((await resolveSession(result.cookieValue))?.user.id).toBe(user.id);
    expect((await userRow(user.id))!.lastSignInAt).not.toBeNull();
    const [event] = await auditEventsOf({ action: 'auth.sign-in', targetId: user.id });
    expect(event?.actorName).toBe(user.username);
  });

  it('accepts the username in any letter case and with surrounding spaces', async () => {
    const user = await createTestUser({ username: `casey-${Date.now()}` });
    const result = await signIn({ username: `  ${user.username.toUpperCase()} `, password: user.password });
    expect(result.user.id).toBe(user.id);
  });

  it('rotates the session id: the session presented before sign-in ends', async () => {
    const user = await createTestUser();
    const before = await createTestSession(user);
    const result = await signIn(
      { username: user.username, password: user.password },
      { previousCookie: before.cookieValue, clientAddress: freshAddress() },
    );
    expect(result.cookieValue).not.toBe(before.cookieValue);
    expect(await resolveSession(before.cookieValue)).toBeNull();
    expect(await resolveSession(result.cookieValue)).not.toBeNull();
  });

  it('re-hashes a password stored with older parameters at sign-in', async () => {
    const user = await createTestUser();
    expect((await userRow(user.id))!.passwordHash).toContain('ln=10,');
    await signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() });
    const stored = (await userRow(user.id))!.passwordHash!;
    expect(stored).toContain(`ln=${currentScryptParams.ln},r=${currentScryptParams.r},p=${currentScryptParams.p}$`);
    // And the new hash still verifies.
    await signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() });
  });

  it('gives unknown users, wrong passwords and deactivated accounts the same answer', async () => {
    const user = await createTestUser();
    const inactive = await createTestUser({ active: false });
    const answers = await Promise.all([
      refusal(signIn({ username: user.username, password: 'wrong password!' }, { clientAddress: freshAddress() })),
      refusal(signIn({ username: 'nobody-here-at-all', password: 'wrong password!' }, { clientAddress: freshAddress() })),
      refusal(signIn({ username: inactive.username, password: inactive.password }, { clientAddress: freshAddress() })),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(400);
      expect(answer.message).toBe(authMessages.invalidCredentials);
      expect(answer.fieldErrors).toEqual({ _form: [authMessages.invalidCredentials] });
    }
  });

  it('takes about as long for an unknown name as for a wrong password (no timing oracle)', async () => {
    const user = await createTestUser({ password: 'a known password 1' });
    // Raise the fixture user to today's cost, so both paths do the same scrypt work.
    await signIn({ username: user.username, password: 'a known password 1' }, { clientAddress: freshAddress() });
    const time = async (username: string) => {
      const start = performance.now();
      await refusal(signIn({ username, password: 'not the password' }, { clientAddress: freshAddress() }));
      return performance.now() - start;
    };
    await time('warm-up-unknown');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 3; i += 1) {
      known.push(await time(user.username));
      unknown.push(await time(`ghost-${i}`));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[1]!;
    // Without the decoy hash an unknown name would answer in a few ms, against hundreds.
    expect(median(unknown)).toBeGreaterThan(median(known) / 3);
    expect(median(unknown)).toBeLessThan(median(known) * 3);
  });

  it('refuses empty input with field errors, before any work', async () => {
    const error = await refusal(signIn({ username: '', password: '' }));
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.username).toEqual([authMessages.invalidCredentials]);
    expect(error.fieldErrors?.password).toEqual([authMessages.passwordRequired]);
  });
});

describe('sign-in throttling', () => {
  it(`locks an account after ${throttlePolicy.accountLimit} failures, answering 429 with when to retry`, async () => {
    const user = await createTestUser();
    const statuses: number[] = [];
    for (let i = 0; i < throttlePolicy.accountLimit; i += 1) {
      // Every attempt from a different address: the account counter alone must lock.
      const error = await refusal(signIn({ username: user.username, password: `wrong ${i}` }, { clientAddress: freshAddress() }));
      statuses.push(error.status!);
    }
    expect(statuses).toEqual([...Array(throttlePolicy.accountLimit - 1).fill(400), 429]);
    // Even the right password is refused while locked, without checking it.
    const locked = await refusal(signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() }));
    expect(locked.status).toBe(429);
    expect(locked.message).toBe(authMessages.locked);
    expect(locked.retryAfter).toBeGreaterThan(throttlePolicy.baseLockMinutes * 60 - 10);
    expect(locked.retryAfter).toBeLessThanOrEqual(throttlePolicy.baseLockMinutes * 60);
    const [event] = await auditEventsOf({ action: 'auth.sign-in.lock' });
    expect(event?.after).toMatchObject({ scopes: ['account'] });
  });

  it('locks unknown names exactly like real ones (no enumeration through the lock)', async () => {
    const name = `ghost-${Date.now()}`;
    const statuses: number[] = [];
    for (let i = 0; i <= throttlePolicy.accountLimit; i += 1) {
      statuses.push((await refusal(signIn({ username: name, password: 'guess' }, { clientAddress: freshAddress() }))).status!);
    }
    expect(statuses).toEqual([...Array(throttlePolicy.accountLimit - 1).fill(400), 429, 429]);
  });

  it(`locks a client address after ${throttlePolicy.addressLimit} failures across many names`, async () => {
    const address = freshAddress();
    const rows = throttleKeys('x', address);
    // Counting is what is under test here, not scrypt: charge 19 failures directly.
    for (let i = 0; i < throttlePolicy.addressLimit - 1; i += 1) await recordFailure([rows[1]!]);
    const user = await createTestUser();
    const last = await refusal(signIn({ username: `spray-${Date.now()}`, password: 'guess' }, { clientAddress: address }));
    expect(last.status).toBe(429);
    // The address is locked for everyone behind it, the right password included…
    expect((await refusal(signIn({ username: user.username, password: user.password }, { clientAddress: address }))).status).toBe(429);
    // …while the same account signs in fine from elsewhere.
    await signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() });
  });

  it('doubles the lock each time it is imposed again, up to the cap', async () => {
    const [key] = throttleKeys(`doubling-${Date.now()}`, null);
    const minutes: number[] = [];
    let now = new Date();
    for (let lock = 0; lock < 6; lock += 1) {
      let outcome;
      for (let i = 0; i < throttlePolicy.accountLimit; i += 1) outcome = await recordFailure([key!], now);
      minutes.push(Math.round((outcome!.lockedUntil!.getTime() - now.getTime()) / 60_000));
      now = new Date(outcome!.lockedUntil!.getTime() + 1_000);
    }
    expect(minutes).toEqual([5, 10, 20, 40, 60, 60]);
  });

  it('forgets failures once the window has passed', async () => {
    const [key] = throttleKeys(`window-${Date.now()}`, null);
    const start = new Date();
    for (let i = 0; i < throttlePolicy.accountLimit - 1; i += 1) await recordFailure([key!], start);
    const later = new Date(start.getTime() + throttlePolicy.windowMinutes * 60_000 + 1_000);
    const outcome = await recordFailure([key!], later);
    expect(outcome.lockedUntil).toBeNull();
    const [row] = await database.db.select().from(signInThrottle).where(eq(signInThrottle.key, key!.key));
    expect(row?.failures).toBe(1);
  });

  it('counts concurrent failures one by one', async () => {
    const [key] = throttleKeys(`race-${Date.now()}`, null);
    const outcomes = await Promise.all(Array.from({ length: throttlePolicy.accountLimit }, () => recordFailure([key!])));
    expect(outcomes.filter((o) => o.lockedUntil !== null)).toHaveLength(1);
  });

  it('clears the account counter after a successful sign-in', async () => {
    const user = await createTestUser();
    for (let i = 0; i < throttlePolicy.accountLimit - 1; i += 1) {
      await refusal(signIn({ username: user.username, password: `wrong ${i}` }, { clientAddress: freshAddress() }));
    }
    await signIn({ username: user.username, password: user.password }, { clientAddress: freshAddress() });
    // Four more failures do not lock: the earlier four were forgotten.
    for (let i = 0; i < throttlePolicy.accountLimit - 1; i += 1) {
      const error = await refusal(signIn({ username: user.username, password: `again ${i}` }, { clientAddress: freshAddress() }));
      expect(error.status).toBe(400);
    }
  });

  it('never stores the guessed names in clear', async () => {
    const name = `secret-name-${Date.now()}`;
    await refusal(signIn({ username: name, password: 'guess' }, { clientAddress: freshAddress() }));
    const rows = await database.db.select().from(signInThrottle);
    expect(rows.some((r) => r.key.includes(name))).toBe(false);
    expect(rows.some((r) => r.key === `account:${sha256Hex(name)}`)).toBe(true);
  });

  it('buckets IPv6 addresses per /64 and IPv4-mapped ones as IPv4', () => {
    expect(addressBucket('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressBucket('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressBucket(null)).toBe('unknown');
  });
});

describe('changeOwnPassword', () => {
  it('completes the forced change: new password works, flag cleared, other sessions end', async () => {
    const user = await createTestUser({ mustChangePassword: true });
    const current = await createTestSession(user);
    const other = await createTestSession(user);
    const result = await changeOwnPassword(
      { userId: user.id, keepSessionIdHash: current.idHash },
      { currentPassword: user.password, newPassword: 'a brand new passphrase', confirmPassword: 'a brand new passphrase' },
      { clientAddress: freshAddress() },
    );
    expect(result.user.mustChangePassword).toBe(false);
    expect(result.otherSessionsEnded).toBe(1);
    expect(await resolveSession(current.cookieValue)).not.toBeNull();
    expect(await resolveSession(other.cookieValue)).toBeNull();
    await signIn({ username: user.username, password: 'a brand new passphrase' }, { clientAddress: freshAddress() });
    const [event] = await auditEventsOf({ action: 'user.password.change', targetId: user.id });
    expect(event?.after).toEqual({ otherSessionsEnded: 1, wasForced: true });
  });

  it.each([
    ['a wrong current password', { currentPassword: 'not it at all', newPassword: 'another fine passphrase', confirmPassword: 'another fine passphrase' }, 'currentPassword', authMessages.currentPasswordWrong],
    ['a short new password', { newPassword: 'short', confirmPassword: 'short' }, 'newPassword', authMessages.passwordTooShort],
    ['a mismatched confirmation', { newPassword: 'another fine passphrase', confirmPassword: 'another fine passphrasE' }, 'confirmPassword', authMessages.passwordMismatch],
    ['the same password again', { newPassword: 'SAME', confirmPassword: 'SAME' }, 'newPassword', authMessages.passwordUnchanged],
  ])('refuses %s with a field error and changes nothing', async (_name, input, field, message) => {
    const user = await createTestUser({ password: 'the old passphrase', mustChangePassword: true });
    const before = (await userRow(user.id))!;
    const values = {
      currentPassword: user.password,
      ...input,
      ...(input.newPassword === 'SAME' ? { newPassword: user.password, confirmPassword: user.password } : {}),
    };
    const error = await refusal(changeOwnPassword({ userId: user.id }, values, { clientAddress: freshAddress() }));
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.[field]).toEqual([message]);
    const after = (await userRow(user.id))!;
    expect(after.passwordHash).toBe(before.passwordHash);
    expect(after.mustChangePassword).toBe(true);
    expect(await auditEventsOf({ action: 'user.password.change', targetId: user.id })).toHaveLength(0);
  });

  it('refuses the username as the new password', async () => {
    const user = await createTestUser({ username: `longusername${Date.now()}` });
    const error = await refusal(
      changeOwnPassword(
        { userId: user.id },
        { currentPassword: user.password, newPassword: user.username.toUpperCase(), confirmPassword: user.username.toUpperCase() },
      ),
    );
    expect(error.fieldErrors?.newPassword).toEqual([authMessages.passwordIsUsername]);
  });

  it('counts wrong current passwords towards the lock, so a stolen session cannot guess', async () => {
    const user = await createTestUser();
    const statuses: number[] = [];
    for (let i = 0; i < throttlePolicy.accountLimit; i += 1) {
      const error = await refusal(
        changeOwnPassword(
          { userId: user.id },
          { currentPassword: `guess ${i}`, newPassword: 'whatever passphrase', confirmPassword: 'whatever passphrase' },
          { clientAddress: freshAddress() },
        ),
      );
      statuses.push(error.status!);
    }
    expect(statuses.at(-1)).toBe(429);
  });

  it('keeps no session when none is named to keep', async () => {
    const user = await createTestUser();
    const s = await createTestSession(user);
    await changeOwnPassword(
      { userId: user.id },
      { currentPassword: user.password, newPassword: 'yet another passphrase', confirmPassword: 'yet another passphrase' },
    );
    expect(await database.db.select().from(sessions).where(eq(sessions.idHash, s.idHash))).toHaveLength(0);
  });
});

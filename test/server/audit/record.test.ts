import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents } from '../../../db/schema/audit';
import {
  type AuditActor,
  REDACTED,
  canonicalJson,
  chainHash,
  isSecretKey,
  recordAudit,
  redactSecrets,
  verifyAuditChain,
} from '../../../server/audit';
import { createTestDatabase, rejectionText, type TestDatabase } from '../../support/database';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const actor: AuditActor = {
  id: '6F1C2B9E-0D5A-4C3B-9E1F-2A3B4C5D6E7F',
  name: 'alice',
  roles: ['admin'],
  requestId: 'req-1',
  clientAddress: '10.0.0.7',
};

describe('isSecretKey', () => {
  it.each(['password', 'newPassword', 'password_hash', 'tokenHash', 'apiKey', 'api_key', 'csrfToken', 'token', 'clientSecret', 'PRIVATE_KEY', 'Authorization', 'cookie', 'connectionString', 'credentials'])(
    'treats %s as secret',
    (key) => expect(isSecretKey(key)).toBe(true),
  );
  it.each(['maxTokens', 'tokenBudget', 'tokensPerMinute', 'key', 'labelKey', 'hash', 'prevHash', 'headHash', 'publicKey', 'name', 'tokenId', 'tokenPrefix'])(
    'keeps %s readable',
    (key) => expect(isSecretKey(key)).toBe(false),
  );
});

describe('redactSecrets', () => {
  it('redacts secret values at any depth, in arrays too, and keeps the shape', () => {
    const input = {
      username: 'bob',
      password: 'hunter2hunter2',
      nested: { apiKey: 'k-123', list: [{ csrfToken: 'abc', keep: 1 }] },
      quota: { maxTokens: 1000, tokenBudget: 5 },
      selector: { key: 'app', operator: 'In', values: ['llm'] },
    };
    expect(redactSecrets(input)).toEqual({
      username: 'bob',
      password: REDACTED,
      nested: { apiKey: REDACTED, list: [{ csrfToken: REDACTED, keep: 1 }] },
      quota: { maxTokens: 1000, tokenBudget: 5 },
      selector: { key: 'app', operator: 'In', values: ['llm'] },
    });
  });

  it('keeps null and booleans under secret keys: whether a password exists is the audited fact', () => {
    expect(redactSecrets({ password: null, mustChangePassword: true, passwordHash: 'scrypt$…' })).toEqual({
      password: null,
      mustChangePassword: true,
      passwordHash: REDACTED,
    });
  });

  it('hides credentials inside URLs and bearer strings', () => {
    expect(redactSecrets({ url: 'postgres://app:s3cr3t@db:5432/app', header: 'Bearer eyJhbGciOi' })).toEqual({
      url: `postgres://app:${REDACTED}@db:5432/app`,
      header: REDACTED,
    });
    expect(redactSecrets('https://example.org/path?q=1')).toBe('https://example.org/path?q=1');
  });
});

describe('canonicalJson', () => {
  it('does not depend on key order, at any depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: 3 } })).toBe(
      canonicalJson({ a: { c: 3, d: [2, { y: 2, z: 1 }] }, b: 1 }),
    );
    expect(canonicalJson({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });

  it('writes dates as ISO strings, bigints as strings, and drops undefined members', () => {
    expect(canonicalJson({ at: new Date('2025-01-02T03:04:05.678Z'), n: 10n, gone: undefined })).toBe(
      '{"at":"2025-01-02T03:04:05.678Z","n":"10"}',
    );
    expect(canonicalJson(undefined)).toBe('null');
  });
});

describe('recordAudit', () => {
  it('stores an event whose hash can be recomputed from the stored row', async () => {
    const { id, hash } = await database.db.transaction((tx) =>
      recordAudit(tx, {
        actor,
        action: 'user.update',
        targetType: 'user',
        targetId: 'u-1',
        before: { name: 'Bob', password: 'old-password!' },
        after: { name: 'Robert', password: 'new-password!', when: new Date('2025-05-05T00:00:00Z') },
      }),
    );
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, id));
    expect(row).toBeDefined();
    expect(row!.hash).toBe(hash);
    expect(chainHash(row!.prevHash, row!)).toBe(hash);
    expect(row!.actorId).toBe(actor.id!.toLowerCase());
    expect(row!.before).toEqual({ name: 'Bob', password: REDACTED });
    expect(row!.after).toEqual({ name: 'Robert', password: REDACTED, when: '2025-05-05T00:00:00.000Z' });
    expect(row!.requestId).toBe('req-1');
    expect(row!.clientAddress).toBe('10.0.0.7');
    expect(row!.actorRoles).toEqual(['admin']);
  });

  it('links each event to the previous one', async () => {
    const first = await database.db.transaction((tx) => recordAudit(tx, { actor, action: 'a.one', targetType: 'x' }));
    const second = await database.db.transaction((tx) => recordAudit(tx, { actor, action: 'a.two', targetType: 'x' }));
    expect(second.id).toBe(first.id + 1);
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, second.id));
    expect(row!.prevHash).toBe(first.hash);
  });

  it('writes nothing and leaves no gap in the ids when the transaction rolls back', async () => {
    const before = await database.db.select({ id: auditEvents.id }).from(auditEvents).orderBy(asc(auditEvents.id));
    const failure = await rejectionText(
      database.db.transaction(async (tx) => {
        await recordAudit(tx, { actor, action: 'doomed.change', targetType: 'x' });
        throw new Error('the change itself failed');
      }),
    );
    expect(failure).toMatch(/the change itself failed/);
    const next = await database.db.transaction((tx) => recordAudit(tx, { actor, action: 'after.rollback', targetType: 'x' }));
    expect(next.id).toBe(before[before.length - 1]!.id + 1);
    const doomed = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'doomed.change'));
    expect(doomed).toHaveLength(0);
    expect((await verifyAuditChain()).ok).toBe(true);
  });

  it('keeps the chain whole when many transactions append at once', async () => {
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        database.db.transaction((tx) =>
          recordAudit(tx, { actor, action: 'parallel.write', targetType: 'x', targetId: String(i) }),
        ),
      ),
    );
    const result = await verifyAuditChain();
    expect(result.problem).toBeNull();
    expect(result.ok).toBe(true);
  });

  it('stores text PostgreSQL cannot hold (NUL, lone surrogates) so that the hash still verifies', async () => {
    const { id } = await database.db.transaction((tx) =>
      recordAudit(tx, {
        actor: { ...actor, name: 'nul\u0000name' },
        action: 'odd.text',
        targetType: 'x',
        after: { note: 'a\u0000b', broken: 'x\uD800y' },
      }),
    );
    const [row] = await database.db.select().from(auditEvents).where(eq(auditEvents.id, id));
    expect(row!.actorName).toBe('nul\uFFFDname');
    expect(row!.after).toEqual({ note: 'a\uFFFDb', broken: 'x\uFFFDy' });
    expect((await verifyAuditChain()).ok).toBe(true);
  });
});

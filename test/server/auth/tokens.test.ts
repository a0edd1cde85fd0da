import { eq } from 'drizzle-orm';
import { apiTokens } from '../../../db/schema/auth';
import {
  authenticateApiToken,
  authMessages,
  createApiToken,
  generateApiToken,
  getApiToken,
  isWellFormedApiToken,
  lastUsedIntervalMs,
  listApiTokens,
  revokeApiToken,
  setUserRoles,
  tokenStatus,
} from '../../../server/auth';
import { systemActor } from '../../../server/audit';
import { createTestDatabase, type TestDatabase } from '../../support/database';
import { auditEventsOf, createTestUser, sessionPrincipal } from '../../support/auth';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

async function refusal(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { status?: number; fieldErrors?: Record<string, string[]>; permission?: string };
  }
  throw new Error('expected a refusal');
}

async function tokenRow(id: string) {
  const [row] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row!;
}

describe('token format', () => {
  it('looks like lst_<base62> with a checksum, and the displayed prefix is a true prefix', () => {
    const { token, prefix, hash } = generateApiToken();
    expect(token).toMatch(/^lst_[0-9A-Za-z]{36}$/);
    expect(token.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(12);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(isWellFormedApiToken(token)).toBe(true);
  });

  it('detects a typo through the checksum', () => {
    const { token } = generateApiToken();
    const i = 10;
    const typo = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
    expect(isWellFormedApiToken(typo)).toBe(false);
    expect(isWellFormedApiToken(`${token}x`)).toBe(false);
    expect(isWellFormedApiToken(token.replace('lst_', 'xxx_'))).toBe(false);
  });
});

describe('createApiToken', () => {
  it('shows the secret once and stores only its SHA-256 and prefix', async () => {
    const owner = await createTestUser({ roles: ['operator'] });
    const { token, info } = await createApiToken(sessionPrincipal(owner), 'personal', {
      name: 'deploy bot',
      scopes: ['models:read', 'models:write'],
      expiresInDays: 30,
    });
    const row = await tokenRow(info.id);
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row.prefix).toBe(token.slice(0, 12));
    expect(row.userId).toBe(owner.id);
    expect(info.expiresAt.getTime() - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    const [event] = await auditEventsOf({ action: 'token.create', targetId: info.id });
    expect(event?.after).toMatchObject({ name: 'deploy bot', kind: 'personal', scopes: ['models:read', 'models:write'] });
    expect(JSON.stringify(event)).not.toContain(token);
  });

  it('refuses personal scopes the owner does not hold', async () => {
    const manager = await createTestUser({ roles: ['manager'] });
    const error = await refusal(
      createApiToken(sessionPrincipal(manager), 'personal', { name: 'x', scopes: ['usage:read', 'users:write'], expiresInDays: 1 }),
    );
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.scopes).toEqual([authMessages.scopeNotHeld]);
    expect(await listApiTokens(sessionPrincipal(manager), { kind: 'personal' })).toHaveLength(0);
  });

  it.each([
    ['no expiry', {}, 'expiresInDays'],
    ['zero days', { expiresInDays: 0 }, 'expiresInDays'],
    ['more than a year', { expiresInDays: 366 }, 'expiresInDays'],
    ['an instant in the past', { expiresAt: new Date(Date.now() - 60_000).toISOString() }, 'expiresAt'],
    ['an instant beyond a year', { expiresAt: new Date(Date.now() + 367 * 86_400_000).toISOString() }, 'expiresAt'],
    ['a date that is not one', { expiresAt: 'next tuesday' }, 'expiresAt'],
  ])('requires an expiry within a year: refuses %s', async (_name, expiry, field) => {
    const owner = await createTestUser({ roles: ['operator'] });
    const error = await refusal(createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: ['models:read'], ...expiry }));
    expect(error.status).toBe(400);
    expect(error.fieldErrors?.[field]).toEqual([authMessages.expiryInvalid]);
  });

  it('accepts an explicit instant within a year', async () => {
    const owner = await createTestUser({ roles: ['operator'] });
    const at = new Date(Date.now() + 364 * 86_400_000);
    const { info } = await createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: ['gpu:read'], expiresAt: at.toISOString() });
    expect(info.expiresAt.getTime()).toBe(at.getTime());
  });

  it('refuses unknown scopes and an empty scope list', async () => {
    const owner = await createTestUser({ roles: ['admin'] });
    expect((await refusal(createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: [], expiresInDays: 1 }))).fieldErrors?.scopes).toEqual([
      authMessages.scopesRequired,
    ]);
    expect(
      (await refusal(createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: ['root:all'], expiresInDays: 1 }))).fieldErrors?.['scopes.0'],
    ).toEqual([authMessages.scopeUnknown]);
  });

  it('lets only holders of service-tokens:write create service tokens, with any permission as scope', async () => {
    const operator = await createTestUser({ roles: ['operator'] });
    const denied = await refusal(createApiToken(sessionPrincipal(operator), 'service', { name: 'gw', scopes: ['usage:ingest'], expiresInDays: 1 }));
    expect(denied.status).toBe(403);
    const admin = await createTestUser({ roles: ['admin'] });
    // usage:ingest belongs to no role: only service tokens (the gateway) carry it.
    const { info } = await createApiToken(sessionPrincipal(admin), 'service', { name: 'gateway', scopes: ['usage:ingest'], expiresInDays: 365 });
    expect(info.userId).toBeNull();
    expect(info.createdBy).toBe(admin.id);
  });

  it('lets the auditor, who changes nothing, create no personal token', async () => {
    const auditor = await createTestUser({ roles: ['auditor'] });
    expect((await refusal(createApiToken(sessionPrincipal(auditor), 'personal', { name: 'x', scopes: ['audit:read'], expiresInDays: 1 }))).status).toBe(403);
  });

  it('never lets a token mint a token with more permissions or a longer life', async () => {
    const owner = await createTestUser({ roles: ['operator'] });
    const { token } = await createApiToken(sessionPrincipal(owner), 'personal', {
      name: 'narrow',
      scopes: ['tokens:write', 'models:read'],
      expiresInDays: 7,
    });
    const viaToken = (await authenticateApiToken(token))!;
    const wider = await refusal(createApiToken(viaToken, 'personal', { name: 'wider', scopes: ['models:write'], expiresInDays: 1 }));
    expect(wider.fieldErrors?.scopes).toEqual([authMessages.scopeNotHeld]);
    const longer = await refusal(createApiToken(viaToken, 'personal', { name: 'longer', scopes: ['models:read'], expiresInDays: 30 }));
    expect(longer.fieldErrors?.expiresInDays).toEqual([authMessages.expiryBeyondCaller]);
    const ok = await createApiToken(viaToken, 'personal', { name: 'child', scopes: ['models:read'], expiresInDays: 3 });
    expect(ok.info.userId).toBe(owner.id);
  });
});

describe('authenticateApiToken', () => {
  it('gives a personal token its scopes intersected with the owner’s current roles', async () => {
    const owner = await createTestUser({ roles: ['operator', 'manager'] });
    const { token } = await createApiToken(sessionPrincipal(owner), 'personal', {
      name: 'both',
      scopes: ['models:write', 'usage:write'],
      expiresInDays: 1,
    });
    expect((await authenticateApiToken(token))!.permissions).toEqual(['models:write', 'usage:write']);
    await setUserRoles(systemActor, owner.id, { roles: ['manager'] });
    const after = (await authenticateApiToken(token))!;
    expect(after.permissions).toEqual(['usage:write']);
    expect(after.actor.name).toBe(owner.username);
  });

  it('gives a service token exactly its scopes and a service actor', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const { token } = await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci', scopes: ['models:read'], expiresInDays: 1 });
    const principal = (await authenticateApiToken(token, { requestId: 'r1' }))!;
    expect(principal.user).toBeNull();
    expect(principal.permissions).toEqual(['models:read']);
    expect(principal.actor).toMatchObject({ id: null, name: 'service:ci', requestId: 'r1' });
  });

  it('refuses unknown, malformed, expired and revoked tokens', async () => {
    const owner = await createTestUser({ roles: ['operator'] });
    expect(await authenticateApiToken(generateApiToken().token)).toBeNull();
    expect(await authenticateApiToken('lst_short')).toBeNull();
    const { token, info } = await createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: ['gpu:read'], expiresInDays: 1 });
    expect(await authenticateApiToken(token, {}, new Date(info.expiresAt.getTime() + 1))).toBeNull();
    expect(tokenStatus(info, new Date(info.expiresAt.getTime()))).toBe('expired');
    expect(await authenticateApiToken(token)).not.toBeNull();
    await revokeApiToken(sessionPrincipal(owner), info.id);
    expect(await authenticateApiToken(token)).toBeNull();
  });

  it('records last use, but writes at most once a minute', async () => {
    const owner = await createTestUser({ roles: ['operator'] });
    const { token, info } = await createApiToken(sessionPrincipal(owner), 'personal', { name: 'x', scopes: ['gpu:read'], expiresInDays: 1 });
    expect((await tokenRow(info.id)).lastUsedAt).toBeNull();
    const t0 = new Date();
    await authenticateApiToken(token, {}, t0);
    expect((await tokenRow(info.id)).lastUsedAt?.getTime()).toBe(t0.getTime());
    await authenticateApiToken(token, {}, new Date(t0.getTime() + 20_000));
    expect((await tokenRow(info.id)).lastUsedAt?.getTime()).toBe(t0.getTime());
    const t1 = new Date(t0.getTime() + lastUsedIntervalMs + 1);
    await authenticateApiToken(token, {}, t1);
    expect((await tokenRow(info.id)).lastUsedAt?.getTime()).toBe(t1.getTime());
  });
});

describe('listing and revoking', () => {
  it('shows a user only their own personal tokens; admins may list anyone’s', async () => {
    const alice = await createTestUser({ roles: ['operator'] });
    const bob = await createTestUser({ roles: ['operator'] });
    const admin = await createTestUser({ roles: ['admin'] });
    const { info } = await createApiToken(sessionPrincipal(alice), 'personal', { name: 'a', scopes: ['gpu:read'], expiresInDays: 1 });
    expect((await listApiTokens(sessionPrincipal(alice), { kind: 'personal' })).map((t) => t.id)).toEqual([info.id]);
    expect(await listApiTokens(sessionPrincipal(bob), { kind: 'personal' })).toEqual([]);
    expect((await refusal(listApiTokens(sessionPrincipal(bob), { kind: 'personal', userId: alice.id }))).status).toBe(403);
    expect((await listApiTokens(sessionPrincipal(admin), { kind: 'personal', userId: alice.id })).map((t) => t.id)).toEqual([info.id]);
    expect((await refusal(listApiTokens(sessionPrincipal(bob), { kind: 'service' }))).status).toBe(403);
  });

  it('hides another user’s token as not found, so ids cannot be probed', async () => {
    const alice = await createTestUser({ roles: ['operator'] });
    const bob = await createTestUser({ roles: ['operator'] });
    const { info } = await createApiToken(sessionPrincipal(alice), 'personal', { name: 'a', scopes: ['gpu:read'], expiresInDays: 1 });
    expect((await refusal(getApiToken(sessionPrincipal(bob), info.id))).status).toBe(404);
    expect((await refusal(revokeApiToken(sessionPrincipal(bob), info.id))).status).toBe(404);
    expect((await tokenRow(info.id)).revokedAt).toBeNull();
  });

  it('revokes once, audits it, and refuses a second revocation', async () => {
    const alice = await createTestUser({ roles: ['operator'] });
    const { info } = await createApiToken(sessionPrincipal(alice), 'personal', { name: 'a', scopes: ['gpu:read'], expiresInDays: 1 });
    const revoked = await revokeApiToken(sessionPrincipal(alice), info.id);
    expect(revoked.revokedAt).not.toBeNull();
    expect((await refusal(revokeApiToken(sessionPrincipal(alice), info.id))).status).toBe(409);
    expect(await auditEventsOf({ action: 'token.revoke', targetId: info.id })).toHaveLength(1);
  });

  it('lets the auditor see service tokens but not revoke them', async () => {
    const admin = await createTestUser({ roles: ['admin'] });
    const auditor = await createTestUser({ roles: ['auditor'] });
    const { info } = await createApiToken(sessionPrincipal(admin), 'service', { name: 'ci', scopes: ['models:read'], expiresInDays: 1 });
    expect((await listApiTokens(sessionPrincipal(auditor), { kind: 'service' })).map((t) => t.id)).toContain(info.id);
    expect((await getApiToken(sessionPrincipal(auditor), info.id)).id).toBe(info.id);
    expect((await refusal(revokeApiToken(sessionPrincipal(auditor), info.id))).status).toBe(403);
    expect((await tokenRow(info.id)).revokedAt).toBeNull();
  });
});

import zlib from 'node:zlib';
import { and, desc, eq, isNull, lt, or } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { apiTokens, type TokenKind, users } from '../../db/schema/auth';
import { recordAudit } from '../audit';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../core/errors';
import { authMessages as m } from './messages';
import { isPermission, type Permission, permissions, permissionsOf } from './permissions';
import { base62, randomBase62, sha256Hex } from './secrets';
import type { ApiTokenInfo, Principal, RequestMeta } from './types';
import { actorFor, isUuid, toAuthUser } from './users';
import { createTokenSchema, type CreateTokenInput, maxTokenDays, parseInput } from './validation';

export const tokenPrefix = 'lst_';
const randomLength = 30;
const checksumLength = 6;
/** Characters of the token kept in clear for display: `lst_` and eight more. */
const displayLength = tokenPrefix.length + 8;
/** last_used_at is written at most this often per token. */
export const lastUsedIntervalMs = 60_000;

/**
 * A new token: `lst_` + 30 random base62 characters (~178 bits) + a 6-character CRC32 of
 * them, so secret scanners and this code can tell a real token from a typo without a query.
 */
export function generateApiToken(): { token: string; prefix: string; hash: string } {
  const random = randomBase62(randomLength);
  const token = `${tokenPrefix}${random}${base62(zlib.crc32(random), checksumLength)}`;
  return { token, prefix: token.slice(0, displayLength), hash: sha256Hex(token) };
}

/** True when the string has the shape and checksum of a Leitstand token. */
export function isWellFormedApiToken(token: string): boolean {
  if (token.length !== tokenPrefix.length + randomLength + checksumLength || !token.startsWith(tokenPrefix)) return false;
  const random = token.slice(tokenPrefix.length, tokenPrefix.length + randomLength);
  if (!/^[0-9A-Za-z]+$/.test(random)) return false;
  return token.slice(-checksumLength) === base62(zlib.crc32(random), checksumLength);
}

type TokenRow = typeof apiTokens.$inferSelect;

function toInfo(row: TokenRow): ApiTokenInfo {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    userId: row.userId,
    prefix: row.prefix,
    scopes: row.scopes.filter(isPermission),
    expiresAt: row.expiresAt,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
  };
}

/** Whether a token can still be used at `now`. */
export function tokenStatus(info: Pick<ApiTokenInfo, 'revokedAt' | 'expiresAt'>, now = new Date()): 'active' | 'expired' | 'revoked' {
  if (info.revokedAt) return 'revoked';
  if (info.expiresAt.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

function expiryFrom(data: { expiresInDays?: number | undefined; expiresAt?: string | undefined }, now: Date): Date {
  const field = data.expiresInDays !== undefined ? 'expiresInDays' : 'expiresAt';
  const at =
    data.expiresInDays !== undefined ? new Date(now.getTime() + data.expiresInDays * 86_400_000) : new Date(data.expiresAt!);
  const earliest = now.getTime() + 3_600_000;
  // A minute of slack so "365 days" typed as an instant is not refused for clock drift.
  const latest = now.getTime() + maxTokenDays * 86_400_000 + 60_000;
  if (Number.isNaN(at.getTime()) || at.getTime() < earliest || at.getTime() > latest) {
    throw new InputError(m.expiryInvalid, { [field]: [m.expiryInvalid] });
  }
  return at;
}

/**
 * Creates a personal token (for the caller) or a service token (for a gateway or a CI
 * pipeline; needs service-tokens:write). Returns the secret once; only its hash is kept.
 * A personal token cannot hold scopes its owner lacks; a token created by a token cannot
 * exceed that token's permissions or outlive it.
 */
export async function createApiToken(
  principal: Principal,
  kind: TokenKind,
  input: CreateTokenInput,
): Promise<{ token: string; info: ApiTokenInfo }> {
  const required: Permission = kind === 'service' ? 'service-tokens:write' : 'tokens:write';
  if (!principal.permissions.includes(required)) throw new ForbiddenError(m.forbidden, required);
  if (kind === 'personal' && !principal.user) throw new ForbiddenError(m.personRequired);
  const data = parseInput(createTokenSchema, input);
  // Declared order, no duplicates: equal scope sets always look the same.
  const scopes = permissions.filter((p) => data.scopes.includes(p));
  const now = new Date();
  const expiresAt = expiryFrom(data, now);
  // Service tokens may carry any permission (usage:ingest belongs to no role), unless a
  // token is creating them; personal ones only what their owner holds.
  const ceiling = kind === 'personal' || principal.via === 'token' ? principal.permissions : null;
  if (ceiling) {
    const excess = scopes.filter((s) => !ceiling.includes(s));
    if (excess.length > 0) throw new InputError(m.scopeNotHeld, { scopes: [m.scopeNotHeld] });
  }
  if (principal.via === 'token' && expiresAt.getTime() > principal.token.expiresAt.getTime()) {
    throw new InputError(m.expiryBeyondCaller, { [data.expiresInDays !== undefined ? 'expiresInDays' : 'expiresAt']: [m.expiryBeyondCaller] });
  }
  const { token, prefix, hash } = generateApiToken();
  const info = await getDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({
        name: data.name,
        kind,
        userId: kind === 'personal' ? principal.user!.id : null,
        tokenHash: hash,
        prefix,
        scopes,
        expiresAt,
        createdAt: now,
        createdBy: principal.user?.id ?? null,
      })
      .returning();
    const info = toInfo(row!);
    await recordAudit(tx, {
      actor: principal.actor,
      action: 'token.create',
      targetType: 'api-token',
      targetId: info.id,
      after: auditView(info),
    });
    return info;
  });
  return { token, info };
}

function auditView(info: ApiTokenInfo) {
  return {
    name: info.name,
    kind: info.kind,
    userId: info.userId,
    prefix: info.prefix,
    scopes: info.scopes,
    expiresAt: info.expiresAt.toISOString(),
  };
}

/** True when the principal may see this token. */
function mayView(principal: Principal, info: ApiTokenInfo): boolean {
  if (info.kind === 'service') return principal.permissions.includes('service-tokens:read');
  if (principal.user && info.userId === principal.user.id && principal.permissions.includes('tokens:write')) return true;
  return principal.permissions.includes('users:read');
}

/** True when the principal may revoke this token. */
function mayRevoke(principal: Principal, info: ApiTokenInfo): boolean {
  if (info.kind === 'service') return principal.permissions.includes('service-tokens:write');
  if (principal.user && info.userId === principal.user.id && principal.permissions.includes('tokens:write')) return true;
  return principal.permissions.includes('users:write');
}

/** Tokens the principal may see: its own personal tokens, or all service tokens. Newest first. */
export async function listApiTokens(
  principal: Principal,
  query: { kind: TokenKind; userId?: string | undefined },
): Promise<ApiTokenInfo[]> {
  const db = getDb();
  if (query.kind === 'service') {
    if (!principal.permissions.includes('service-tokens:read')) throw new ForbiddenError(m.forbidden, 'service-tokens:read');
    const rows = await db.select().from(apiTokens).where(eq(apiTokens.kind, 'service')).orderBy(desc(apiTokens.createdAt));
    return rows.map(toInfo);
  }
  const owner = query.userId ?? principal.user?.id;
  if (!owner) throw new ForbiddenError(m.personRequired);
  const own = owner === principal.user?.id && principal.permissions.includes('tokens:write');
  if (!own && !principal.permissions.includes('users:read')) throw new ForbiddenError(m.forbidden, 'users:read');
  if (!isUuid(owner)) return [];
  const rows = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.kind, 'personal'), eq(apiTokens.userId, owner)))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(toInfo);
}

/** One token the principal may see; NotFoundError otherwise (existence is not revealed). */
export async function getApiToken(principal: Principal, id: string): Promise<ApiTokenInfo> {
  if (!isUuid(id)) throw new NotFoundError(m.tokenNotFound);
  const [row] = await getDb().select().from(apiTokens).where(eq(apiTokens.id, id));
  const info = row ? toInfo(row) : null;
  if (!info || !mayView(principal, info)) throw new NotFoundError(m.tokenNotFound);
  return info;
}

/** Revokes a token at once; it stops working on its next use. */
export async function revokeApiToken(principal: Principal, id: string): Promise<ApiTokenInfo> {
  const info = await getApiToken(principal, id);
  if (!mayRevoke(principal, info)) {
    throw new ForbiddenError(m.forbidden, info.kind === 'service' ? 'service-tokens:write' : 'users:write');
  }
  return getDb().transaction(async (tx) => {
    const [row] = await tx
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning();
    if (!row) throw new ConflictError(m.tokenAlreadyRevoked);
    const info = toInfo(row);
    await recordAudit(tx, {
      actor: principal.actor,
      action: 'token.revoke',
      targetType: 'api-token',
      targetId: id,
      before: { revokedAt: null },
      after: { ...auditView(info), revokedAt: info.revokedAt!.toISOString() },
    });
    return info;
  });
}

/**
 * The principal behind a Bearer token, or null when the token is malformed, unknown,
 * revoked, expired, or its owner is deactivated. A personal token's permissions are its
 * scopes intersected with its owner's current roles, so a demotion takes effect at once.
 */
export async function authenticateApiToken(token: string, meta: RequestMeta = {}, now = new Date()): Promise<Principal | null> {
  if (!isWellFormedApiToken(token)) return null;
  const hash = sha256Hex(token);
  const db = getDb();
  const [row] = await db
    .select({ token: apiTokens, user: users })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hash));
  if (!row) return null;
  const info = toInfo(row.token);
  if (tokenStatus(info, now) !== 'active') return null;
  if (info.kind === 'personal' && (!row.user || !row.user.active)) return null;
  if (!info.lastUsedAt || now.getTime() - info.lastUsedAt.getTime() >= lastUsedIntervalMs) {
    await db
      .update(apiTokens)
      .set({ lastUsedAt: now })
      .where(
        and(
          eq(apiTokens.id, info.id),
          or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, new Date(now.getTime() - lastUsedIntervalMs))),
        ),
      );
    info.lastUsedAt = now;
  }
  if (info.kind === 'service') {
    return {
      via: 'token',
      user: null,
      permissions: info.scopes,
      token: info,
      actor: {
        id: null,
        name: `service:${info.name}`,
        roles: [],
        requestId: meta.requestId ?? null,
        clientAddress: meta.clientAddress ?? null,
      },
    };
  }
  const user = toAuthUser(row.user!);
  const held = permissionsOf(user.roles);
  return {
    via: 'token',
    user,
    permissions: permissions.filter((p) => info.scopes.includes(p) && held.includes(p)),
    token: info,
    actor: actorFor(user, meta),
  };
}

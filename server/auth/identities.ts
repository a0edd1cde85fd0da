import { and, asc, eq, isNull, or } from 'drizzle-orm';
import { getDb } from '../../db/client';
import { externalIdentities, groupRoleMappings, type Role, roles as allRoles, users } from '../../db/schema/auth';
import { type AuditActor, recordAudit } from '../audit';
import { InputError, NotFoundError } from '../core/errors';
import { isUniqueViolation } from './db-errors';
import { authMessages as m } from './messages';
import type { AuthUser } from './types';
import { assertAnotherAdmin, isUuid, lockAdminSet, lockUser, toAuthUser } from './users';
import { externalIdentitySchema, groupRoleMappingSchema, parseInput } from './validation';

/*
 * The service side of external sign-in (OIDC). The flow itself lands with a later issue;
 * these functions are what it will call: find or link the identity, then apply the roles
 * the provider's groups map to.
 */

export interface ExternalIdentity {
  id: string;
  userId: string;
  issuer: string;
  subject: string;
  createdAt: Date;
}

export interface GroupRoleMapping {
  id: string;
  issuer: string | null;
  groupName: string;
  role: Role;
  createdAt: Date;
}

/** Links an identity at an OpenID provider (issuer + subject) to a user. */
export async function linkExternalIdentity(
  actor: AuditActor,
  userId: string,
  input: { issuer: unknown; subject: unknown },
): Promise<ExternalIdentity> {
  const data = parseInput(externalIdentitySchema, input);
  try {
    return await getDb().transaction(async (tx) => {
      await lockUser(tx, userId);
      const [row] = await tx
        .insert(externalIdentities)
        .values({ userId, issuer: data.issuer, subject: data.subject })
        .returning();
      await recordAudit(tx, {
        actor,
        action: 'identity.link',
        targetType: 'user',
        targetId: userId,
        after: { issuer: data.issuer, subject: data.subject },
      });
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new InputError(m.identityTaken, { subject: [m.identityTaken] });
    throw error;
  }
}

/** Removes a link; the user keeps any other way to sign in. */
export async function unlinkExternalIdentity(actor: AuditActor, identityId: string): Promise<void> {
  if (!isUuid(identityId)) throw new NotFoundError(m.identityNotFound);
  await getDb().transaction(async (tx) => {
    const [row] = await tx.delete(externalIdentities).where(eq(externalIdentities.id, identityId)).returning();
    if (!row) throw new NotFoundError(m.identityNotFound);
    await recordAudit(tx, {
      actor,
      action: 'identity.unlink',
      targetType: 'user',
      targetId: row.userId,
      before: { issuer: row.issuer, subject: row.subject },
    });
  });
}

/** The user an external identity is linked to, or null. */
export async function findUserByExternalIdentity(issuer: string, subject: string): Promise<AuthUser | null> {
  const [row] = await getDb()
    .select({ user: users })
    .from(externalIdentities)
    .innerJoin(users, eq(users.id, externalIdentities.userId))
    .where(and(eq(externalIdentities.issuer, issuer), eq(externalIdentities.subject, subject)));
  return row ? toAuthUser(row.user) : null;
}

/** A user's linked identities. */
export async function listExternalIdentities(userId: string): Promise<ExternalIdentity[]> {
  if (!isUuid(userId)) return [];
  return getDb()
    .select()
    .from(externalIdentities)
    .where(eq(externalIdentities.userId, userId))
    .orderBy(asc(externalIdentities.createdAt));
}

/** Maps a provider group to a role (issuer null: any provider). */
export async function addGroupRoleMapping(
  actor: AuditActor,
  input: { issuer?: unknown; groupName: unknown; role: unknown },
): Promise<GroupRoleMapping> {
  const data = parseInput(groupRoleMappingSchema, input);
  try {
    return await getDb().transaction(async (tx) => {
      const [row] = await tx.insert(groupRoleMappings).values(data).returning();
      await recordAudit(tx, {
        actor,
        action: 'group-mapping.create',
        targetType: 'group-role-mapping',
        targetId: row!.id,
        after: data,
      });
      return row!;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new InputError(m.mappingExists, { groupName: [m.mappingExists] });
    throw error;
  }
}

/** Removes a group mapping. Users keep their roles until their next external sign-in. */
export async function removeGroupRoleMapping(actor: AuditActor, mappingId: string): Promise<void> {
  if (!isUuid(mappingId)) throw new NotFoundError(m.mappingNotFound);
  await getDb().transaction(async (tx) => {
    const [row] = await tx.delete(groupRoleMappings).where(eq(groupRoleMappings.id, mappingId)).returning();
    if (!row) throw new NotFoundError(m.mappingNotFound);
    await recordAudit(tx, {
      actor,
      action: 'group-mapping.delete',
      targetType: 'group-role-mapping',
      targetId: mappingId,
      before: { issuer: row.issuer, groupName: row.groupName, role: row.role },
    });
  });
}

/** Every group mapping, ordered by group. */
export async function listGroupRoleMappings(): Promise<GroupRoleMapping[]> {
  return getDb().select().from(groupRoleMappings).orderBy(asc(groupRoleMappings.groupName), asc(groupRoleMappings.role));
}

/** The roles the given groups map to at an issuer (mappings for any issuer included). */
export async function rolesForGroups(issuer: string, groups: readonly string[]): Promise<Role[]> {
  if (groups.length === 0) return [];
  const rows = await getDb()
    .select({ role: groupRoleMappings.role, groupName: groupRoleMappings.groupName })
    .from(groupRoleMappings)
    .where(or(isNull(groupRoleMappings.issuer), eq(groupRoleMappings.issuer, issuer)));
  const wanted = new Set(groups);
  const granted = new Set(rows.filter((r) => wanted.has(r.groupName)).map((r) => r.role));
  // Role order as declared, so equal sets compare and display the same.
  return allRoles.filter((r) => granted.has(r));
}

/**
 * Sets a user's roles to what their provider groups map to, as an external sign-in will.
 * Writes (and audits) only when the roles change; refuses to remove the last active admin.
 */
export async function applyGroupRoles(
  actor: AuditActor,
  userId: string,
  issuer: string,
  groups: readonly string[],
): Promise<{ user: AuthUser; changed: boolean }> {
  const next = await rolesForGroups(issuer, groups);
  return getDb().transaction(async (tx) => {
    await lockAdminSet(tx);
    const before = await lockUser(tx, userId);
    const same = before.roles.length === next.length && before.roles.every((r) => next.includes(r));
    if (same) return { user: before, changed: false };
    if (before.active && before.roles.includes('admin') && !next.includes('admin')) {
      await assertAnotherAdmin(tx, userId, 'roles');
    }
    const [row] = await tx.update(users).set({ roles: next, updatedAt: new Date() }).where(eq(users.id, userId)).returning();
    await recordAudit(tx, {
      actor,
      action: 'user.roles.sync',
      targetType: 'user',
      targetId: userId,
      before: { roles: before.roles },
      after: { roles: next, issuer, groups: [...groups] },
    });
    return { user: toAuthUser(row!), changed: true };
  });
}

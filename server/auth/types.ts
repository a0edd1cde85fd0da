import type { Role, TokenKind } from '../../db/schema/auth';
import type { AuditActor } from '../audit';
import type { Permission } from './permissions';

/** A user as the rest of Leitstand sees one: never the password hash. */
export interface AuthUser {
  id: string;
  username: string;
  displayName: string;
  email: string | null;
  roles: Role[];
  active: boolean;
  mustChangePassword: boolean;
  /** Whether the account has a local password (OIDC-only accounts do not). */
  hasPassword: boolean;
  locale: string | null;
  createdAt: Date;
  lastSignInAt: Date | null;
}

/** An API token as listed: never the secret or its hash. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  kind: TokenKind;
  userId: string | null;
  prefix: string;
  scopes: Permission[];
  expiresAt: Date;
  createdAt: Date;
  createdBy: string | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Who is calling, established from a session cookie or a Bearer token. */
export type Principal =
  | {
      via: 'session';
      user: AuthUser;
      permissions: Permission[];
      session: { idHash: string; csrfToken: string; expiresAt: Date };
      actor: AuditActor;
    }
  | {
      via: 'token';
      /** The token's owner; null for a service token, which acts for no person. */
      user: AuthUser | null;
      permissions: Permission[];
      token: ApiTokenInfo;
      actor: AuditActor;
    };

/** Where a request came from, for audit events and throttling. */
export interface RequestMeta {
  requestId?: string | null;
  clientAddress?: string | null;
  userAgent?: string | null;
}

import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** The five roles; permissions per role live in server/auth/permissions.ts. */
export const roles = ['admin', 'operator', 'dpo', 'manager', 'auditor'] as const;
export type Role = (typeof roles)[number];

/** An SQL text[] literal of fixed, known values (for check constraints). */
function sqlTextArray(values: readonly string[]) {
  return sql.raw(`array[${values.map((v) => `'${v}'`).join(', ')}]::text[]`);
}

export const tokenKinds = ['personal', 'service'] as const;
export type TokenKind = (typeof tokenKinds)[number];

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    username: text('username').notNull(),
    displayName: text('display_name').notNull(),
    email: text('email'),
    /** scrypt hash in PHC-like form; null for users who only sign in through OIDC. */
    passwordHash: text('password_hash'),
    mustChangePassword: boolean('must_change_password').notNull().default(false),
    roles: text('roles').array().$type<Role[]>().notNull().default(sql`'{}'::text[]`),
    active: boolean('active').notNull().default(true),
    locale: text('locale'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp('last_sign_in_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('users_username_lower_key').on(sql`lower(${t.username})`),
    check('users_roles_known', sql`${t.roles} <@ ${sqlTextArray(roles)}`),
  ],
);

/** An identity at an external OpenID provider (issuer + subject) linked to a user. */
export const externalIdentities = pgTable(
  'external_identities',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    issuer: text('issuer').notNull(),
    subject: text('subject').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('external_identities_issuer_subject_key').on(t.issuer, t.subject)],
);

/** Maps a group claim of an identity provider to a Leitstand role. */
export const groupRoleMappings = pgTable(
  'group_role_mappings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** null: the mapping applies to every configured issuer. */
    issuer: text('issuer'),
    groupName: text('group_name').notNull(),
    role: text('role').$type<Role>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('group_role_mappings_key').on(sql`coalesce(${t.issuer}, '')`, t.groupName, t.role),
    check('group_role_mappings_role_known', sql`${t.role} = any(${sqlTextArray(roles)})`),
  ],
);

/** Server-side sessions; the cookie carries the id, the table keeps only its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    clientAddress: text('client_address'),
    userAgent: text('user_agent'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    // cleanupExpiredSessions deletes by absolute expiry.
    index('sessions_expires_at_idx').on(t.expiresAt),
  ],
);

/** Personal and service API tokens; only the SHA-256 of the secret is stored. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    kind: text('kind').$type<TokenKind>().notNull(),
    /**
     * The user a personal token acts as; null for service tokens, which belong to no person
     * (so a CI pipeline keeps working when the admin who created its token leaves).
     */
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    /** The first characters of the token, shown so people can tell tokens apart. */
    prefix: text('prefix').notNull(),
    scopes: text('scopes').array().notNull().default(sql`'{}'::text[]`),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('api_tokens_token_hash_key').on(t.tokenHash),
    index('api_tokens_user_idx').on(t.userId),
    check('api_tokens_kind_known', sql`${t.kind} in ('personal', 'service')`),
    check('api_tokens_owner_matches_kind', sql`(${t.kind} = 'personal') = (${t.userId} is not null)`),
  ],
);

/** Failed sign-in counters per account and per client address, shared by all replicas. */
export const signInThrottle = pgTable('sign_in_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
  /** Locks imposed in a row; each lock lasts twice as long as the one before. */
  locks: integer('locks').notNull().default(0),
});

/**
 * The auth context's only door: users, sessions, sign-in throttling, API tokens, external
 * identities and group mappings, roles and permissions. See README.md.
 */
export { authLifecycle, cleanupIntervalMs, runAuthCleanup } from './lifecycle';
export {
  addGroupRoleMapping,
  applyGroupRoles,
  type ExternalIdentity,
  findUserByExternalIdentity,
  type GroupRoleMapping,
  linkExternalIdentity,
  listExternalIdentities,
  listGroupRoleMappings,
  removeGroupRoleMapping,
  rolesForGroups,
  unlinkExternalIdentity,
} from './identities';
export { ensureInitialAdmin, initialAdminUsername, type InitialAdminOutcome } from './initial-admin';
export { type AuthMessageKey, authMessages } from './messages';
export {
  currentScryptParams,
  hashPassword,
  passwordMaxLength,
  passwordMinLength,
  passwordNeedsRehash,
  type ScryptParams,
  verifyPassword,
} from './password';
export { isPermission, type Permission, permissions, permissionsOf, rolePermissions, rolesGrant } from './permissions';
export {
  authenticateRequest,
  bearerTokenOf,
  clearSessionCookieHeader,
  isApiRequest,
  isSameOriginRequest,
  isSecureRequest,
  preSessionCsrfCookieName,
  readCookie,
  requestMeta,
  serializeCookie,
  sessionCookieHeader,
  sessionCookieName,
  verifyCsrf,
} from './request';
export { randomSecret } from './secrets';
export {
  cleanupExpiredSessions,
  countSessions,
  createSession,
  endAllSessions,
  endSession,
  resolveSession,
  touchIntervalMs,
} from './sessions';
export { changeOwnPassword, signIn, type SignInResult } from './sign-in';
export { activeLock, cleanupThrottle, throttleKeys, throttlePolicy } from './throttle';
export {
  authenticateApiToken,
  createApiToken,
  generateApiToken,
  getApiToken,
  isWellFormedApiToken,
  lastUsedIntervalMs,
  listApiTokens,
  revokeApiToken,
  tokenPrefix,
  tokenStatus,
} from './tokens';
export type { ApiTokenInfo, AuthUser, Principal, RequestMeta } from './types';
export {
  actorFor,
  createUser,
  deactivateUser,
  getUserById,
  listUsers,
  type ListUsersQuery,
  reactivateUser,
  requireUserById,
  resetUserPassword,
  setUserLocale,
  setUserRoles,
  userSortKeys,
  type UserSortKey,
} from './users';
export {
  changePasswordSchema,
  createTokenSchema,
  createUserSchema,
  groupRoleMappingSchema,
  listOf,
  maxTokenDays,
  parseInput,
  roleSchema,
  setRolesSchema,
  signInSchema,
  tokenKindSchema,
} from './validation';
export { roles, type Role, tokenKinds, type TokenKind } from '../../db/schema/auth';

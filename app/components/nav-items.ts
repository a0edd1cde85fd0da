import type { Permission } from '../../server/auth/permissions';
import type { MessageKey } from '~/i18n/messages';

/**
 * The console's sections. Only sections that exist are listed; each shows only to users
 * holding its permission (the route still checks it — hiding is never the check).
 */
export interface NavItem {
  to: string;
  label: MessageKey;
  permission: Permission | null;
}

export const navItems: NavItem[] = [
  { to: '/', label: 'nav.overview', permission: null },
  { to: '/cluster', label: 'nav.cluster', permission: 'cluster:read' },
  { to: '/gpus', label: 'nav.gpus', permission: 'gpu:read' },
  { to: '/gpus/allocation', label: 'nav.gpuAllocation', permission: 'gpu:read' },
  { to: '/gpus/pools', label: 'nav.gpuPools', permission: 'gpu:read' },
  { to: '/gpus/planner', label: 'nav.gpuPlanner', permission: 'gpu:read' },
  { to: '/models', label: 'nav.models', permission: 'models:read' },
  { to: '/tenants', label: 'nav.tenants', permission: 'tenants:read' },
  { to: '/guard', label: 'nav.guard', permission: 'guard:read' },
  { to: '/privacy', label: 'nav.privacy', permission: 'privacy:read' },
  { to: '/audit', label: 'nav.audit', permission: 'audit:read' },
  { to: '/admin/users', label: 'nav.users', permission: 'users:read' },
  { to: '/admin/tokens', label: 'nav.serviceTokens', permission: 'service-tokens:read' },
];

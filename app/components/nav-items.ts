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

/**
 * Where `pathname` sits in the navigation: the one item it belongs to most specifically is the
 * current page; items whose sections contain it (`/gpus` on `/gpus/pools`) are only "in section",
 * so the sidebar never marks two entries as the current page.
 */
export function navState(items: readonly Pick<NavItem, 'to'>[], pathname: string): Map<string, 'page' | 'section'> {
  const contains = (to: string) => (to === '/' ? pathname === '/' : pathname === to || pathname.startsWith(`${to}/`));
  const matching = items.map((i) => i.to).filter(contains);
  const current = matching.reduce<string | null>((best, to) => (best === null || to.length > best.length ? to : best), null);
  return new Map(matching.map((to) => [to, to === current ? 'page' : 'section']));
}

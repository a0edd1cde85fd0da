import { json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { formatDateTime } from '~/i18n/format';
import { DataTable } from '~/components/data-table';
import type { MessageKey } from '~/i18n/messages';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readFilters, readPage, readSort } from '~/utils/table-params';
import { listUsers, roles, type Role, userSortKeys } from '~/utils/auth.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'users:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'auth.users.title' });

const pageSize = 25;
const defaultSort = { id: 'username', desc: false };

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'users:read');
  const params = new URL(request.url).searchParams;
  const sort = readSort(params, userSortKeys, defaultSort);
  const filters = readFilters(params, ['q', 'role', 'status'] as const);
  const page = readPage(params);
  const { rows, total } = await listUsers({
    q: filters.q || undefined,
    role: (roles as readonly string[]).includes(filters.role) ? (filters.role as Role) : undefined,
    status: filters.status === 'active' || filters.status === 'inactive' ? filters.status : undefined,
    sort: sort.id as (typeof userSortKeys)[number],
    dir: sort.desc ? 'desc' : 'asc',
    page,
    pageSize,
  });
  return json({
    users: rows.map((u) => ({
      id: u.id,
      username: u.username,
      displayName: u.displayName,
      roles: u.roles,
      active: u.active,
      mustChangePassword: u.mustChangePassword,
      lastSignInAt: u.lastSignInAt?.toISOString() ?? null,
      createdAt: u.createdAt.toISOString(),
    })),
    total,
    page,
    pageCount: Math.max(1, Math.ceil(total / pageSize)),
    canWrite: user?.permissions.includes('users:write') ?? false,
    // Sent as data: the component must not import server code (it would reach the browser).
    roles: [...roles],
  });
}

type UserRow = ReturnType<typeof useLoaderData<typeof loader>>['users'][number];
const column = createColumnHelper<UserRow>();

export default function Users() {
  const t = useT();
  const locale = useLocale();
  const data = useLoaderData<typeof loader>();
  const columns = [
    column.accessor('username', {
      id: 'username',
      header: t('auth.field.username'),
      cell: (c) => <Link to={`/admin/users/${c.row.original.id}`}>{c.getValue()}</Link>,
    }),
    column.accessor('displayName', { id: 'displayName', header: t('auth.field.displayName') }),
    column.accessor('roles', {
      id: 'roles',
      header: t('auth.field.roles'),
      cell: (c) => c.getValue().map((r) => t(`auth.role.${r}` as MessageKey)).join(', '),
    }),
    column.accessor('active', {
      id: 'status',
      header: t('auth.users.status'),
      cell: (c) =>
        c.getValue() ? (
          <span className="badge badge-ok">{t('auth.users.active')}</span>
        ) : (
          <span className="badge badge-danger">{t('auth.users.inactive')}</span>
        ),
    }),
    column.accessor('lastSignInAt', {
      id: 'lastSignInAt',
      header: t('auth.users.lastSignIn'),
      sortDescFirst: true,
      cell: (c) => (c.getValue() ? formatDateTime(c.getValue(), locale) : t('common.never')),
    }),
  ];
  return (
    <>
      <h1>{t('auth.users.title')}</h1>
      <p className="muted">{t('auth.users.count', { n: data.total })}</p>
      <DataTable
        caption={t('auth.users.title')}
        columns={columns}
        data={data.users}
        getRowId={(u) => u.id}
        sortable={['username', 'displayName', 'lastSignInAt']}
        defaultSort={defaultSort}
        filters={[
          { name: 'q', label: t('auth.users.search'), type: 'search' },
          {
            name: 'role',
            label: t('auth.field.roles'),
            type: 'select',
            allLabel: t('auth.users.allRoles'),
            options: data.roles.map((r) => ({ value: r, label: t(`auth.role.${r}` as MessageKey) })),
          },
          {
            name: 'status',
            label: t('auth.users.status'),
            type: 'select',
            allLabel: t('auth.users.allStatuses'),
            options: [
              { value: 'active', label: t('auth.users.active') },
              { value: 'inactive', label: t('auth.users.inactive') },
            ],
          },
        ]}
        pagination={{ kind: 'pages', page: data.page, pageCount: data.pageCount, hasNext: data.page < data.pageCount }}
        emptyMessage={t('auth.users.empty')}
        toolbar={
          data.canWrite ? (
            <Link className="button" to="/admin/users/new">
              {t('auth.users.new')}
            </Link>
          ) : null
        }
      />
    </>
  );
}

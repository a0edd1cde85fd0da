import { json, type LoaderFunctionArgs } from '@remix-run/node';
import { apiWork, requireCaller, tokenJson } from '~/utils/auth.server';

export const handle = { permission: 'user' };

/** Who am I: the person (or service token) behind the request, and what it may do. */
export async function loader({ request }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requireCaller(request);
    const user = principal.user;
    return json({
      kind: user ? 'user' : 'service',
      via: principal.via,
      user: user
        ? {
            id: user.id,
            username: user.username,
            displayName: user.displayName,
            roles: user.roles,
            mustChangePassword: user.mustChangePassword,
          }
        : null,
      token: principal.via === 'token' ? tokenJson(principal.token) : null,
      permissions: principal.permissions,
    });
  });
}

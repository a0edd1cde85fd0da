import { type ActionFunctionArgs, json, type LoaderFunctionArgs } from '@remix-run/node';
import { z } from 'zod';
import { apiWork, methodNotAllowed, requirePermission, tokenJson } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { authMessages, getApiToken, revokeApiToken } from '~/utils/auth.server';
import { NotFoundError } from '~/utils/errors.server';

export const handle = { permission: 'service-tokens:read', actionPermission: 'service-tokens:write' };

/** GET /api/v1/tokens/service/:id */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'service-tokens:read');
    const token = await getApiToken(principal, params.id ?? '');
    if (token.kind !== 'service') throw new NotFoundError(authMessages.tokenNotFound);
    return json(tokenJson(token));
  });
}

/** DELETE /api/v1/tokens/service/:id — revokes it at once. */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'service-tokens:write');
    if (request.method !== 'DELETE') return methodNotAllowed(['GET', 'DELETE']);
    await parseForm(request, z.unknown());
    const existing = await getApiToken(principal, params.id ?? '');
    if (existing.kind !== 'service') throw new NotFoundError(authMessages.tokenNotFound);
    return json(tokenJson(await revokeApiToken(principal, existing.id)));
  });
}

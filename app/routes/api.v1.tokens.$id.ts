import { type ActionFunctionArgs, json, type LoaderFunctionArgs } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission, tokenJson } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { z } from 'zod';
import { authMessages, getApiToken, revokeApiToken } from '~/utils/auth.server';
import { NotFoundError } from '~/utils/errors.server';

export const handle = { permission: 'tokens:write' };

/** GET /api/v1/tokens/:id — one of the caller's personal tokens. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'tokens:write');
    const token = await getApiToken(principal, params.id ?? '');
    if (token.kind !== 'personal') throw new NotFoundError(authMessages.tokenNotFound);
    return json(tokenJson(token));
  });
}

/** DELETE /api/v1/tokens/:id — revokes it at once. */
export async function action({ request, params }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'tokens:write');
    if (request.method !== 'DELETE') return methodNotAllowed(['GET', 'DELETE']);
    await parseForm(request, z.unknown());
    const existing = await getApiToken(principal, params.id ?? '');
    if (existing.kind !== 'personal') throw new NotFoundError(authMessages.tokenNotFound);
    return json(tokenJson(await revokeApiToken(principal, existing.id)));
  });
}

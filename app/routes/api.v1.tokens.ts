import { type ActionFunctionArgs, json, type LoaderFunctionArgs } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission, tokenJson } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { createApiToken, createTokenSchema, listApiTokens } from '~/utils/auth.server';

export const handle = { permission: 'tokens:write' };

/** GET /api/v1/tokens: the caller's personal tokens, newest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'tokens:write');
    const tokens = await listApiTokens(principal, { kind: 'personal' });
    return json({ tokens: tokens.map((t) => tokenJson(t)) });
  });
}

/**
 * POST /api/v1/tokens `{ name, scopes, expiresInDays | expiresAt }`: a personal token.
 * The answer carries the secret, once.
 */
export async function action({ request }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'tokens:write');
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const data = await parseForm(request, createTokenSchema);
    const { token, info } = await createApiToken(principal, 'personal', data);
    return json({ ...tokenJson(info), token }, { status: 201 });
  });
}

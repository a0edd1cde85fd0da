import { type ActionFunctionArgs, json, type LoaderFunctionArgs } from '@remix-run/node';
import { apiWork, methodNotAllowed, requirePermission, tokenJson } from '~/utils/auth.server';
import { parseForm } from '~/utils/form.server';
import { createApiToken, createTokenSchema, listApiTokens } from '~/utils/auth.server';

export const handle = { permission: 'service-tokens:read', actionPermission: 'service-tokens:write' };

/** GET /api/v1/tokens/service: every service token, newest first. */
export async function loader({ request }: LoaderFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'service-tokens:read');
    const tokens = await listApiTokens(principal, { kind: 'service' });
    return json({ tokens: tokens.map((t) => tokenJson(t)) });
  });
}

/** POST /api/v1/tokens/service `{ name, scopes, expiresInDays | expiresAt }`: a service token, secret shown once. */
export async function action({ request }: ActionFunctionArgs) {
  return apiWork(request, async () => {
    const { principal } = await requirePermission(request, 'service-tokens:write');
    if (request.method !== 'POST') return methodNotAllowed(['GET', 'POST']);
    const data = await parseForm(request, createTokenSchema);
    const { token, info } = await createApiToken(principal, 'service', data);
    return json({ ...tokenJson(info), token }, { status: 201 });
  });
}

import { type ActionFunctionArgs, json } from '@remix-run/node';
import { errorResponse } from '~/utils/errors.server';
import { receiveWebhookCallback, SIGNATURE_HEADER } from '~/utils/privacy.server';

// Processors authenticate with the store's shared secret (HMAC signature), not a session.
export const handle = { permission: 'public' };

export async function loader() {
  return json({ error: 'POST a signed callback.' }, { status: 405, headers: { Allow: 'POST' } });
}

/** A webhook processor reports that an erasure is done (signed JSON). */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== 'POST') return json({ error: 'POST a signed callback.' }, { status: 405, headers: { Allow: 'POST' } });
  const body = await request.text();
  try {
    await receiveWebhookCallback(body, request.headers.get(SIGNATURE_HEADER));
    return json({ ok: true });
  } catch (error) {
    return errorResponse(error, request);
  }
}

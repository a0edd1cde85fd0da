import { type ActionFunctionArgs, type LoaderFunctionArgs, json } from '@remix-run/node';
import { z } from 'zod';
import type { VerifyStreamLine } from '~/components/audit-verify';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { runAuditVerification } from '~/utils/audit.server';
import { log } from '~/utils/errors.server';

export const handle = { permission: 'audit:verify' };

/**
 * POST: verifies the chain, streaming progress as JSON lines (application/x-ndjson) and
 * the outcome last; the check is recorded as an `audit.verify` event. A client that goes
 * away stops the walk (nothing is recorded then).
 */
export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'audit:verify');
  const refused = await formAction(() => parseForm(request, z.object({ intent: z.literal('verify') })));
  if (refused instanceof Response) return refused;
  const encoder = new TextEncoder();
  // Stops the walk when the browser goes away (the stream is cancelled) or the request aborts.
  const stop = new AbortController();
  request.signal.addEventListener('abort', () => stop.abort(), { once: true });
  let open = true;
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (line: VerifyStreamLine) => {
        if (open) controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
      };
      try {
        const result = await runAuditVerification({
          actor,
          signal: stop.signal,
          onProgress: ({ checked, total }) => send({ type: 'progress', checked, total }),
        });
        send({ type: 'result', result });
      } catch (error) {
        if (!stop.signal.aborted) {
          send({ type: 'error' });
          // A bug or an outage: the log gets it, the browser only a generic message.
          log.error({ err: error, requestId: actor.requestId }, 'audit verification failed');
        }
      }
      if (open) {
        open = false;
        controller.close();
      }
    },
    cancel() {
      open = false;
      stop.abort();
    },
  });
  return new Response(body, {
    headers: {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Cache-Control': 'no-store',
    },
  });
}

/** Verification changes the trail (it records itself): only POST. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'audit:verify');
  return json({ error: 'Use POST to verify the audit chain.' }, { status: 405, headers: { Allow: 'POST' } });
}

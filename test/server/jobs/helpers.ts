import crypto from 'node:crypto';
import { getJob, type JobDetail } from '../../../server/jobs';

/** A job type name no other test uses, so workers of one test never take another's jobs. */
export function uniqueType(name: string): string {
  return `test.${name}-${crypto.randomBytes(3).toString('hex')}`;
}

/** Polls until `check` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T> | T, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves once the job reaches one of `states`. */
export function waitForState(id: string, states: JobDetail['state'][], timeoutMs = 10_000): Promise<JobDetail> {
  return waitFor(
    `job ${id} to be ${states.join(' or ')}`,
    async () => {
      const job = await getJob(id);
      return job && states.includes(job.state) ? job : null;
    },
    timeoutMs,
  );
}

/** A promise the test opens when it wants a handler to go on. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

export const alice = { id: '6f1c0c9e-8a43-4c1e-9a3b-0d6a4f3f2b11', name: 'alice', roles: ['operator'] };

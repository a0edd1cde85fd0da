import { eq } from 'drizzle-orm';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { getDb } from '../../db/client';
import { modelDeployments, modelRollouts } from '../../db/schema/models';
import { type JobView, PermanentJobError, defineJobType, listJobs } from '../jobs';
import { listDesired } from '../kube';
import { modelMessages, msg } from './messages';
import { deploymentProgress } from './progress';

/** The jobs' owner type: one job follows one rollout record. */
export const ROLLOUT_JOB_OWNER = 'model_rollout';
/** A rollout not ready after this long fails (Kubernetes' own progress deadline is 600 s). */
export const ROLLOUT_DEADLINE_MS = 15 * 60_000;

const settings = { pollMs: 1_000, deadlineMs: ROLLOUT_DEADLINE_MS };
/** Tests poll faster and give up sooner. */
export function setRolloutTiming(timing: { pollMs?: number; deadlineMs?: number }): void {
  Object.assign(settings, timing);
}

const duration = (ms: number) => (ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} minutes`);

export interface RolloutOutcome {
  outcome: 'ready' | 'superseded' | 'removed';
  /** The deployment's revision that replaced this rollout's (superseded). */
  byRevision?: number;
  replicas?: number;
}

/**
 * Follows one rollout to its end: the controller applies the desired objects (this job
 * applies nothing), the job reads the progress every second and records it as the job's
 * progress (ready replicas of the new revision, or the first failure with Kubernetes'
 * reason, e.g. an exceeded quota or FailedScheduling). It succeeds when every track is
 * rolled out and every pod ready (`ready`), when the objects of an undeploy are gone
 * (`removed`), or when a later change of the deployment takes over (`superseded`); it
 * fails when a Deployment reports ProgressDeadlineExceeded or after ROLLOUT_DEADLINE_MS,
 * with the failures as its error. A restart or crash resumes the watch (nothing to redo).
 */
export const rolloutJob = defineJobType<{ rolloutId: string; deploymentId: string; revision: number }>('models.rollout', {
  payload: z.object({ rolloutId: z.uuid(), deploymentId: z.uuid(), revision: z.number().int().min(1) }),
  timeoutMs: ROLLOUT_DEADLINE_MS + 5 * 60_000,
  maxAttempts: 5,
  backoff: { baseMs: 2_000, maxMs: 60_000 },
  handler: async (ctx): Promise<RolloutOutcome> => {
    const db = getDb();
    const [rollout] = await db.select({ createdAt: modelRollouts.createdAt }).from(modelRollouts).where(eq(modelRollouts.id, ctx.payload.rolloutId));
    if (!rollout) throw new PermanentJobError('The rollout record is gone.');
    for (;;) {
      ctx.signal.throwIfAborted();
      const [d] = await db.select().from(modelDeployments).where(eq(modelDeployments.id, ctx.payload.deploymentId));
      if (!d) throw new PermanentJobError('The deployment is gone.');
      if (d.revision !== ctx.payload.revision) return { outcome: 'superseded', byRevision: d.revision };
      const rows = await listDesired(db, { owner: { context: 'models', id: d.id } });
      if (d.removedAt) {
        if (rows.length === 0) return { outcome: 'removed' };
        await ctx.setProgress(0, 1, msg(modelMessages.progressObjectsDeleting, { n: rows.length }));
      } else {
        const p = await deploymentProgress(d, rows);
        const total = p.tracks.reduce((n, t) => n + t.desired, 0);
        if (p.ready) {
          await ctx.setProgress(total, total, modelMessages.progressAllReady);
          return { outcome: 'ready', replicas: total };
        }
        const done = p.tracks.reduce((n, t) => n + (t.done ? t.desired : Math.min(t.desired, t.updated, t.available)), 0);
        await ctx.setProgress(done, Math.max(total, 1), p.failures[0] ?? p.clusterError ?? msg(modelMessages.progressReplicasReady, { done, total }));
        const stuck = p.tracks.flatMap((t) => t.conditions.filter((c) => c.type === 'Progressing' && c.status === 'False' && c.reason === 'ProgressDeadlineExceeded'));
        if (stuck.length > 0) throw new PermanentJobError(p.failures.join('\n'));
        if (Date.now() - rollout.createdAt.getTime() > settings.deadlineMs) {
          throw new PermanentJobError(`Not ready after ${duration(settings.deadlineMs)}${p.failures.length ? `: ${p.failures.join('\n')}` : '.'}`);
        }
      }
      await sleep(settings.pollMs, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  },
});

/** The job following each of these rollouts (by rollout id), for the history. */
export async function rolloutJobs(rolloutIds: string[]): Promise<Map<string, JobView>> {
  const out = new Map<string, JobView>();
  await Promise.all(
    rolloutIds.map(async (id) => {
      const { jobs } = await listJobs({ type: rolloutJob.type, owner: { type: ROLLOUT_JOB_OWNER, id }, limit: 1 });
      if (jobs[0]) out.set(id, jobs[0]);
    }),
  );
  return out;
}

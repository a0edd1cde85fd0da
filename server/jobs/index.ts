/**
 * The jobs context: a durable job queue in PostgreSQL (claim with SKIP LOCKED, leases with
 * heartbeats, retries with backoff, resumable steps, progress). See README.md.
 */
export { type BackoffPolicy, retryDelay } from './backoff';
export {
  isJobInterruption,
  isPermanentError,
  type InterruptionKind,
  JobInterruptedError,
  PermanentJobError,
} from './errors';
export { createJobsLifecycle, jobsLifecycle, type JobsLifecycleOptions } from './lifecycle';
export {
  cancelJob,
  enqueueJob,
  type EnqueueJobInput,
  getJob,
  type JobDetail,
  type JobStepRecord,
  type JobStepView,
  type JobView,
  listJobs,
  listJobSteps,
  type ListJobsFilters,
  MAX_PAYLOAD_BYTES,
  purgeFinishedJobs,
  retryJob,
} from './queue';
export { defineJobType } from './registry';
export type { JobContext, JobOwner, JobType, JobTypeDefinition } from './types';
export { JobWorker, startWorkers, stopWorkers, type WorkerOptions } from './worker';
export { type JobState, jobStates } from '../../db/schema/jobs';

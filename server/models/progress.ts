import { type DesiredObjectRow, type EventSummary, getClusterObjects, getKubeRuntime, listEvents } from '../kube';
import { DEPLOYMENT_LABEL, TRACK_LABEL, VERSION_LABEL, type Track, objectName } from './manifests';

export interface TrackProgress {
  track: Track;
  /** Replicas asked for in the desired manifest. */
  desired: number;
  /** The controller applied the current generation of the desired object. */
  applied: boolean;
  /** From the live Deployment status (as the controller last observed it). */
  updated: number;
  ready: number;
  available: number;
  /** Rolled out: the Deployment saw its spec and all replicas are updated and available. */
  done: boolean;
  conditions: Array<{ type: string; status: string; reason: string | null; message: string | null }>;
  lastError: string | null;
}

export interface PodProgress {
  name: string;
  track: string | null;
  version: string | null;
  node: string | null;
  phase: string | null;
  scheduled: boolean;
  ready: boolean;
  /** Why it is not scheduled or not running (scheduler / kubelet reason and message). */
  problem: string | null;
}

export interface DeploymentProgress {
  tracks: TrackProgress[];
  pods: PodProgress[];
  events: EventSummary[];
  /** Failures worth a banner: quota exceeded, unschedulable, apply errors. */
  failures: string[];
  /** Every track rolled out and every pod ready. */
  ready: boolean;
  /** Set when the cluster could not be read (the page shows the rest). */
  clusterError: string | null;
}

interface DeploymentStatus {
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
  conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

function trackOf(row: DesiredObjectRow, name: string): Track | null {
  if (row.kind !== 'Deployment') return null;
  if (row.name === objectName(name, 'stable')) return 'stable';
  if (row.name === objectName(name, 'canary')) return 'canary';
  return null;
}

/** Track progress from the desired rows alone (what the controller observed and wrote back). */
export function trackProgress(rows: DesiredObjectRow[], name: string): TrackProgress[] {
  const out: TrackProgress[] = [];
  for (const row of rows) {
    const track = trackOf(row, name);
    if (!track || row.deletionRequestedAt) continue;
    const desired = ((row.manifest as { spec?: { replicas?: number } }).spec?.replicas ?? 1) as number;
    const status = (row.observedStatus ?? {}) as DeploymentStatus;
    const applied = row.appliedGeneration === row.generation;
    const statusCurrent = row.observedGeneration !== null && (status.observedGeneration ?? 0) >= row.observedGeneration;
    const updated = status.updatedReplicas ?? 0;
    const ready = status.readyReplicas ?? 0;
    const available = status.availableReplicas ?? 0;
    out.push({
      track,
      desired,
      applied,
      updated,
      ready,
      available,
      // Old pods of a rolling update still count in `replicas`; done means only new ones remain.
      done: applied && statusCurrent && updated >= desired && available >= desired && (status.replicas ?? 0) <= desired,
      conditions: (status.conditions ?? []).map((c) => ({ type: c.type, status: c.status, reason: c.reason ?? null, message: c.message ?? null })),
      lastError: row.lastError,
    });
  }
  return out.sort((a, b) => a.track.localeCompare(b.track)).reverse();
}

interface PodObject {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; deletionTimestamp?: string };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
    containerStatuses?: Array<{ state?: { waiting?: { reason?: string; message?: string } } }>;
  };
}

function podProgress(pod: PodObject): PodProgress {
  const conditions = pod.status?.conditions ?? [];
  const scheduled = conditions.find((c) => c.type === 'PodScheduled');
  const ready = conditions.some((c) => c.type === 'Ready' && c.status === 'True');
  const waiting = pod.status?.containerStatuses?.map((c) => c.state?.waiting).find((w) => w?.reason && w.reason !== 'ContainerCreating');
  let problem: string | null = null;
  if (scheduled?.status === 'False') problem = `${scheduled.reason ?? 'Unschedulable'}: ${scheduled.message ?? ''}`.trim();
  else if (waiting) problem = `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  return {
    name: pod.metadata.name,
    track: pod.metadata.labels?.[TRACK_LABEL] ?? null,
    version: pod.metadata.labels?.[VERSION_LABEL] ?? null,
    node: pod.spec?.nodeName ?? null,
    phase: pod.status?.phase ?? null,
    scheduled: scheduled?.status === 'True' || Boolean(pod.spec?.nodeName),
    ready,
    problem,
  };
}

/**
 * Live progress of a deployment: per track replicas updated/ready/available (observed by the
 * controller), its pods (scheduled, ready, why not) and recent events of its objects, with
 * failures such as an exceeded quota or unschedulable pods called out.
 */
export async function deploymentProgress(d: { name: string; namespace: string; removedAt?: Date | null }, rows: DesiredObjectRow[]): Promise<DeploymentProgress> {
  const tracks = trackProgress(rows, d.name);
  const failures: string[] = [];
  for (const row of rows) if (row.lastError && !row.deletionRequestedAt) failures.push(`${row.kind} ${row.name}: ${row.lastError}`);
  for (const t of tracks) {
    for (const c of t.conditions) {
      if (c.type === 'ReplicaFailure' && c.status === 'True') failures.push(`${t.track}: ${c.reason ?? 'ReplicaFailure'}: ${c.message ?? ''}`.trim());
      if (c.type === 'Progressing' && c.status === 'False') failures.push(`${t.track}: ${c.reason ?? 'not progressing'}: ${c.message ?? ''}`.trim());
    }
  }
  let pods: PodProgress[] = [];
  let events: EventSummary[] = [];
  let clusterError: string | null = null;
  if (getKubeRuntime()) {
    try {
      const objects = await getClusterObjects({ waitMs: 2_000 });
      pods = (objects.pods as unknown as PodObject[])
        .filter((p) => p.metadata.namespace === d.namespace && p.metadata.labels?.[DEPLOYMENT_LABEL] === d.name && !p.metadata.deletionTimestamp)
        .map(podProgress)
        .sort((a, b) => a.name.localeCompare(b.name));
      const prefix = `${d.name}-`;
      events = (await listEvents({ namespace: d.namespace, limit: 500 }))
        .filter((e) => (e.involvedObject.name ?? '').startsWith(prefix) || e.involvedObject.name === d.name)
        .slice(0, 50);
    } catch (error) {
      clusterError = error instanceof Error ? error.message : String(error);
    }
  } else {
    clusterError = 'Leitstand is not connected to a cluster.';
  }
  for (const p of pods) if (p.problem) failures.push(`${p.name}: ${p.problem}`);
  const ready = !d.removedAt && tracks.length > 0 && tracks.every((t) => t.done) && pods.length > 0 && pods.every((p) => p.ready);
  return { tracks, pods, events, failures: [...new Set(failures)], ready, clusterError };
}

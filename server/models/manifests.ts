import type { EngineSettings, InferenceEngine, ModelFormat, Quantization } from '../../db/schema/models';
import { type KubeObject, renderDeployment, renderHttpRoute, renderService } from '../kube';
import { renderEngine } from './engines';

/** The Gateway (Gateway API) model routes attach to, in the gateway namespace. */
export const GATEWAY_NAME = 'llm-gateway';
export const DEPLOYMENT_LABEL = 'leitstand.io/model-deployment';
export const TRACK_LABEL = 'leitstand.io/track';
export const VERSION_LABEL = 'leitstand.io/model-version';
/** Where the weights are mounted in the engine container. */
export const MODEL_MOUNT = '/models';
/** The fetcher image (in the internal registry) that copies weights from object storage or the mirror and checks the digest. */
export const FETCHER_IMAGE = { repository: 'model-fetcher', tag: '1.4.0' };

export type Track = 'stable' | 'canary';

export interface ManifestVersion {
  id: string;
  label: string;
  artifactUri: string;
  format: ModelFormat;
  quantization: Quantization;
  contextLength: number;
  sizeBytes: number;
  sha256: string;
}

/** Pod placement fields (what server/gpu's toPodSpecFields gives for the planner's constraints). */
export interface PodPlacement {
  nodeSelector?: Record<string, string>;
  tolerations?: Array<{ key: string; operator?: 'Exists' | 'Equal'; value?: string; effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }>;
  affinity?: Record<string, unknown>;
}

export interface ModelObjectsInput {
  modelName: string;
  name: string;
  namespace: string;
  engine: InferenceEngine;
  settings: EngineSettings;
  replicas: number;
  gpusPerReplica: number;
  cpu: string;
  memory: string;
  placement: PodPlacement;
  stable: ManifestVersion;
  canary?: { version: ManifestVersion; replicas: number; weight: number } | null;
  registry: string;
  gatewayNamespace: string;
}

export interface ModelObjects {
  deployments: KubeObject[];
  services: KubeObject[];
  route: KubeObject;
}

/** A label value (at most 63 of [A-Za-z0-9_.-], alphanumeric at both ends). */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '') || 'x';
}

export function objectName(name: string, track: Track): string {
  return `${name}-${track}`;
}

export function selectorOf(name: string, track: Track): Record<string, string> {
  return { [DEPLOYMENT_LABEL]: name, [TRACK_LABEL]: track };
}

/** How the weights reach the container: a PVC mounted read-only, or fetched by an init container into a scratch volume. */
export function modelVolume(version: ManifestVersion, engine: InferenceEngine, registry: string) {
  const file = version.format === 'gguf';
  const pvc = /^pvc:\/\/([^/]+)(\/.*)?$/.exec(version.artifactUri);
  if (pvc) {
    const sub = (pvc[2] ?? '').replace(/\/+$/, '');
    return {
      source: 'pvc' as const,
      modelPath: `${MODEL_MOUNT}${sub}` || MODEL_MOUNT,
      volume: { name: 'model', persistentVolumeClaim: { claimName: pvc[1]!, readOnly: true } },
      initContainers: [] as Record<string, unknown>[],
    };
  }
  const base = version.artifactUri.replace(/[?#].*$/, '').replace(/\/+$/, '').split('/').pop() ?? 'model';
  const modelPath = file ? `${MODEL_MOUNT}/${base}` : engine === 'ollama' ? MODEL_MOUNT : `${MODEL_MOUNT}/model`;
  // Scratch space for the weights plus a fifth for unpacking; the kubelet evicts a pod that outgrows it.
  const sizeGi = Math.max(1, Math.ceil((version.sizeBytes * 1.2) / 1024 ** 3));
  return {
    source: 'fetch' as const,
    modelPath,
    volume: { name: 'model', emptyDir: { sizeLimit: `${sizeGi}Gi` } },
    initContainers: [
      {
        name: 'fetch-model',
        image: `${registry}/${FETCHER_IMAGE.repository}:${FETCHER_IMAGE.tag}`,
        args: ['fetch', '--source', version.artifactUri, '--dest', modelPath, '--sha256', version.sha256],
        resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { memory: '2Gi' } },
        volumeMounts: [{ name: 'model', mountPath: MODEL_MOUNT }],
      },
    ] as Record<string, unknown>[],
  };
}

function renderTrack(input: ModelObjectsInput, track: Track, version: ManifestVersion, replicas: number): KubeObject {
  const engine = renderEngine({
    engine: input.engine,
    servedName: input.modelName,
    modelPath: modelVolume(version, input.engine, input.registry).modelPath,
    version,
    gpus: input.gpusPerReplica,
    settings: input.settings,
    registry: input.registry,
  });
  const volume = modelVolume(version, input.engine, input.registry);
  const gpu: Record<string, string> = input.gpusPerReplica > 0 ? { 'nvidia.com/gpu': String(input.gpusPerReplica) } : {};
  const selector = selectorOf(input.name, track);
  const podLabels = {
    ...selector,
    'app.kubernetes.io/name': input.modelName,
    'app.kubernetes.io/instance': input.name,
    'app.kubernetes.io/component': 'inference',
    [VERSION_LABEL]: labelValue(version.label),
  };
  const manifest = renderDeployment({
    namespace: input.namespace,
    name: objectName(input.name, track),
    image: engine.image,
    replicas,
    selector,
    labels: podLabels,
    args: engine.args,
    env: engine.env,
    ports: [{ name: 'http', containerPort: engine.port }],
    requests: { cpu: input.cpu, memory: input.memory, ...gpu },
    limits: { memory: input.memory, ...gpu },
    nodeSelector: input.placement.nodeSelector && Object.keys(input.placement.nodeSelector).length ? input.placement.nodeSelector : undefined,
    tolerations: input.placement.tolerations,
    annotations: { 'leitstand.io/model-version-id': version.id, 'leitstand.io/engine': input.engine },
  });
  // renderDeployment covers one plain container; the engine needs probes, volumes and pod metadata on top.
  const spec = manifest.spec as {
    strategy?: unknown;
    template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Record<string, unknown> };
  };
  spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } };
  spec.template.metadata.labels = podLabels;
  if (engine.metricsPath) {
    spec.template.metadata.annotations = {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(engine.port),
      'prometheus.io/path': engine.metricsPath,
    };
  }
  const podSpec = spec.template.spec;
  const container = (podSpec.containers as Array<Record<string, unknown>>)[0]!;
  container.name = 'engine';
  if (engine.command) container.command = engine.command;
  const probe = (path: string) => ({ httpGet: { path, port: 'http' } });
  container.startupProbe = { ...probe(engine.livenessPath), periodSeconds: 10, failureThreshold: Math.ceil(engine.startupSeconds / 10) };
  container.readinessProbe = { ...probe(engine.readinessPath), periodSeconds: 10, failureThreshold: 3, timeoutSeconds: 5 };
  container.livenessProbe = { ...probe(engine.livenessPath), periodSeconds: 20, failureThreshold: 3, timeoutSeconds: 5 };
  const mounts: Array<Record<string, unknown>> = [{ name: 'model', mountPath: MODEL_MOUNT, readOnly: true }];
  const volumes: Array<Record<string, unknown>> = [volume.volume];
  if (input.engine === 'vllm' || input.engine === 'tgi') {
    // Tensor-parallel workers talk through shared memory (NCCL); the container default of 64 MiB is too small.
    mounts.push({ name: 'dshm', mountPath: '/dev/shm' });
    volumes.push({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '16Gi' } });
  }
  container.volumeMounts = mounts;
  podSpec.volumes = volumes;
  if (volume.initContainers.length) podSpec.initContainers = volume.initContainers;
  if (input.placement.affinity) podSpec.affinity = input.placement.affinity;
  // Loading weights takes minutes; give in-flight requests time to finish on scale-down.
  podSpec.terminationGracePeriodSeconds = 60;
  return manifest;
}

/**
 * The Kubernetes objects of a model deployment: a Deployment and Service per track
 * (stable, and canary while one runs), and an HTTPRoute splitting traffic between them by
 * weight. Pure: the same input renders the same objects.
 */
export function renderModelObjects(input: ModelObjectsInput): ModelObjects {
  const canary = input.canary ?? null;
  const deployments = [renderTrack(input, 'stable', input.stable, input.replicas)];
  const tracks: Track[] = ['stable'];
  if (canary) {
    deployments.push(renderTrack(input, 'canary', canary.version, canary.replicas));
    tracks.push('canary');
  }
  const services = tracks.map((track) =>
    renderService({
      namespace: input.namespace,
      name: objectName(input.name, track),
      selector: selectorOf(input.name, track),
      ports: [{ name: 'http', port: 80, targetPort: 'http' }],
      labels: { 'app.kubernetes.io/name': input.modelName, 'app.kubernetes.io/instance': input.name, [TRACK_LABEL]: track },
    }),
  );
  const weight = canary?.weight ?? 0;
  const route = renderHttpRoute({
    namespace: input.namespace,
    name: input.name,
    parentRefs: [{ name: GATEWAY_NAME, namespace: input.gatewayNamespace }],
    pathPrefix: routePrefix(input.namespace, input.name),
    backends: [
      { name: objectName(input.name, 'stable'), port: 80, weight: 100 - weight },
      ...(canary ? [{ name: objectName(input.name, 'canary'), port: 80, weight }] : []),
    ],
    labels: { 'app.kubernetes.io/name': input.modelName, 'app.kubernetes.io/instance': input.name },
  });
  // The engines serve the OpenAI API at the root: strip the routing prefix.
  const rule = (route.spec as { rules: Array<Record<string, unknown>> }).rules[0]!;
  rule.filters = [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }];
  return { deployments, services, route };
}

/** The gateway path prefix of a deployment: /<namespace>/<name>. */
export function routePrefix(namespace: string, name: string): string {
  return `/${namespace}/${name}`;
}

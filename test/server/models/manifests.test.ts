import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { english } from '../../support/messages';
import {
  type ModelObjectsInput,
  engineProblem,
  estimateGpuMemory,
  inferenceEngines,
  renderEngine,
  renderModelCard,
  renderModelObjects,
} from '../../../server/models';

const digest = 'a'.repeat(64);
const v1 = {
  id: '00000000-0000-4000-8000-000000000001',
  label: '2024-07',
  artifactUri: 's3://models/llama-3.1-8b-instruct/',
  format: 'safetensors' as const,
  quantization: 'bf16' as const,
  contextLength: 131072,
  sizeBytes: 16_060_522_240,
  sha256: digest,
};
const v2 = { ...v1, id: '00000000-0000-4000-8000-000000000002', label: '2024-09+fix', artifactUri: 'pvc://model-store/llama/8b-2409' };

function input(over: Partial<ModelObjectsInput> = {}): ModelObjectsInput {
  return {
    modelName: 'llama-3-1-8b',
    name: 'llama',
    namespace: 'llm-platform',
    engine: 'vllm',
    settings: { maxModelLen: 32768 },
    replicas: 2,
    gpusPerReplica: 2,
    cpu: '8',
    memory: '64Gi',
    placement: { nodeSelector: { 'leitstand.io/pool': 'h100' }, tolerations: [{ key: 'leitstand.io/dedicated', operator: 'Equal', value: 'a', effect: 'NoSchedule' }] },
    stable: v1,
    registry: 'registry.internal/llm',
    gatewayNamespace: 'llm-gateway',
    ...over,
  };
}

type Container = { name: string; image: string; args?: string[]; command?: string[]; env?: Array<{ name: string; value: string }>; readinessProbe?: { httpGet: { path: string } }; livenessProbe?: { httpGet: { path: string } }; resources: { requests: Record<string, string>; limits: Record<string, string> } };
type PodSpec = { containers: Container[]; initContainers?: Container[]; volumes: Array<Record<string, unknown>>; nodeSelector?: Record<string, string>; tolerations?: unknown[] };
const podSpec = (d: unknown) => (d as { spec: { template: { spec: PodSpec } } }).spec.template.spec;
const flag = (args: string[] | undefined, name: string) => {
  const i = (args ?? []).indexOf(name);
  return i >= 0 ? args![i + 1] : undefined;
};

describe('renderModelObjects', () => {
  it('renders a vLLM deployment whose Deployment, Service and HTTPRoute validate against the Kubernetes and Gateway API schemas', () => {
    const objects = renderModelObjects(input());
    expect(objects.deployments).toHaveLength(1);
    for (const d of objects.deployments) new Deployment(d as never).validate();
    for (const s of objects.services) new Service(s as never).validate();
    new HTTPRoute(objects.route as never).validate();
    const spec = podSpec(objects.deployments[0]);
    const engine = spec.containers[0]!;
    expect(engine.image).toBe('registry.internal/llm/vllm-openai:v0.10.1');
    expect(flag(engine.args, '--served-model-name')).toBe('llama-3-1-8b');
    expect(flag(engine.args, '--tensor-parallel-size')).toBe('2');
    expect(flag(engine.args, '--max-model-len')).toBe('32768');
    expect(flag(engine.args, '--gpu-memory-utilization')).toBe('0.9');
    expect(flag(engine.args, '--dtype')).toBe('bfloat16');
    expect(engine.readinessProbe?.httpGet.path).toBe('/health');
    expect(engine.resources.requests['nvidia.com/gpu']).toBe('2');
    expect(engine.resources.limits['nvidia.com/gpu']).toBe('2');
    expect(spec.nodeSelector).toEqual({ 'leitstand.io/pool': 'h100' });
    expect(spec.tolerations).toHaveLength(1);
    // s3:// weights are fetched by an init container that checks the digest.
    expect(spec.initContainers?.[0]?.args).toEqual(['fetch', '--source', v1.artifactUri, '--dest', '/models/model', '--sha256', digest]);
    expect(flag(engine.args, '--model')).toBe('/models/model');
    const template = (objects.deployments[0] as unknown as { spec: { template: { metadata: { annotations: Record<string, string> } } } }).spec.template.metadata;
    expect(template.annotations).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' });
  });

  it('splits traffic by weight between the stable and the canary Service while a canary runs', () => {
    const objects = renderModelObjects(input({ canary: { version: v2, replicas: 1, weight: 10 } }));
    expect(objects.deployments.map((d) => d.metadata.name)).toEqual(['llama-stable', 'llama-canary']);
    for (const d of objects.deployments) new Deployment(d as never).validate();
    new HTTPRoute(objects.route as never).validate();
    const rule = (objects.route.spec as { rules: Array<{ backendRefs: Array<{ name: string; weight: number }>; matches: unknown[] }> }).rules[0]!;
    expect(rule.backendRefs.map((b) => [b.name, b.weight])).toEqual([
      ['llama-stable', 90],
      ['llama-canary', 10],
    ]);
    const canary = podSpec(objects.deployments[1]);
    // pvc:// weights mount the claim read-only; no init container.
    expect(canary.volumes[0]).toEqual({ name: 'model', persistentVolumeClaim: { claimName: 'model-store', readOnly: true } });
    expect(canary.initContainers).toBeUndefined();
    expect(flag(canary.containers[0]!.args, '--model')).toBe('/models/llama/8b-2409');
    // A label value cannot hold "+": the version label is sanitised, the selector stays per track.
    expect((objects.deployments[1]!.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['leitstand.io/model-version']).toBe('2024-09_fix');
    expect((objects.deployments[1]!.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels).toEqual({
      'leitstand.io/model-deployment': 'llama',
      'leitstand.io/track': 'canary',
    });
  });

  it('renders every engine with its own command line, port and health endpoint, all schema-valid', () => {
    const gguf = { ...v1, format: 'gguf' as const, quantization: 'q4_k_m' as const, artifactUri: 'https://mirror.internal/llama/8b-q4_k_m.gguf' };
    const cases = [
      { engine: 'vllm' as const, version: v1, port: 8000 },
      { engine: 'tgi' as const, version: { ...v1, quantization: 'awq' as const }, port: 8080 },
      { engine: 'llamacpp' as const, version: gguf, port: 8080 },
      { engine: 'ollama' as const, version: { ...v1, format: 'ollama' as const, quantization: 'q4_0' as const, artifactUri: 'oci://registry.internal/ollama/llama3:8b' }, port: 11434 },
    ];
    expect(cases.map((c) => c.engine)).toEqual([...inferenceEngines]);
    for (const c of cases) {
      expect(engineProblem(c.engine, c.version)).toBeNull();
      const objects = renderModelObjects(input({ engine: c.engine, stable: c.version, settings: {} }));
      new Deployment(objects.deployments[0] as never).validate();
      const container = podSpec(objects.deployments[0]).containers[0]! as Container & { ports: Array<{ containerPort: number }> };
      expect(container.ports[0]!.containerPort).toBe(c.port);
    }
    const tgi = renderEngine({ engine: 'tgi', servedName: 'm', modelPath: '/models/model', version: { ...v1, quantization: 'awq' }, gpus: 4, settings: { maxModelLen: 8192 }, registry: 'r/llm' });
    expect(tgi.args).toEqual(expect.arrayContaining(['--model-id', '/models/model', '--num-shard', '4', '--max-total-tokens', '8192', '--max-input-tokens', '8191', '--quantize', 'awq']));
    const llama = renderEngine({ engine: 'llamacpp', servedName: 'm', modelPath: '/models/x.gguf', version: gguf, gpus: 1, settings: {}, registry: 'r/llm' });
    expect(llama.args).toEqual(expect.arrayContaining(['--alias', 'm', '--ctx-size', '131072', '--n-gpu-layers', '999', '--metrics']));
    const ollama = renderEngine({ engine: 'ollama', servedName: 'm', modelPath: '/models', version: { ...v1, format: 'ollama', quantization: 'q4_0' }, gpus: 1, settings: { maxModelLen: 4096 }, registry: 'r/llm' });
    expect(ollama.env).toMatchObject({ OLLAMA_HOST: '0.0.0.0:11434', OLLAMA_CONTEXT_LENGTH: '4096' });
    // Ollama exports no Prometheus metrics: no scrape annotation is promised.
    expect(ollama.metricsPath).toBeNull();
  });

  it('refuses engine and format combinations the engine cannot load', () => {
    expect(english(engineProblem('vllm', { ...v1, format: 'gguf' }) ?? '')).toBe('vLLM cannot load gguf weights; it loads safetensors or pytorch.');
    expect(english(engineProblem('llamacpp', v1) ?? '')).toMatch(/cannot load safetensors/);
    expect(english(engineProblem('tgi', { ...v1, quantization: 'q4_k_m' }) ?? '')).toMatch(/GGUF quantisation/);
  });
});

describe('estimateGpuMemory', () => {
  it('counts weights by bytes per parameter of the quantisation, with the KV cache and overhead as separate parts', () => {
    const bf16 = estimateGpuMemory({ parameterCount: 70e9, quantization: 'bf16', contextLength: 8192, engine: 'llamacpp', gpus: 2 });
    expect(bf16.weightsGiB).toBeCloseTo((70e9 * 2) / 1024 ** 3, 0);
    const awq = estimateGpuMemory({ parameterCount: 70e9, quantization: 'awq', contextLength: 8192, engine: 'llamacpp', gpus: 2 });
    expect(awq.weightsGiB).toBeLessThan(bf16.weightsGiB / 3.5);
    expect(bf16.totalGiB).toBeCloseTo(bf16.weightsGiB + bf16.kvCacheGiB + bf16.overheadGiB, 0);
    expect(bf16.perGpuGiB).toBeCloseTo(bf16.requiredGiB / 2, 0);
    expect(bf16.parts.map((p) => p.part)).toEqual(['weights', 'kvCache', 'overhead']);
  });

  it('grows the KV-cache headroom with the context length', () => {
    const short = estimateGpuMemory({ parameterCount: 8e9, quantization: 'bf16', contextLength: 4096, engine: 'tgi', gpus: 1 });
    const long = estimateGpuMemory({ parameterCount: 8e9, quantization: 'bf16', contextLength: 131072, engine: 'tgi', gpus: 1 });
    expect(long.kvCacheGiB).toBeCloseTo(short.kvCacheGiB * 32, 0);
    // 8 B at 128 KiB per token: 4 sequences × 4,096 tokens = 2 GiB.
    expect(short.kvCacheGiB).toBe(2);
  });

  it('adds what vLLM leaves unused through --gpu-memory-utilization', () => {
    const e = estimateGpuMemory({ parameterCount: 8e9, quantization: 'bf16', contextLength: 8192, engine: 'vllm', gpus: 1, gpuMemoryUtilization: 0.8 });
    expect(e.requiredGiB).toBeCloseTo(e.totalGiB / 0.8, 0);
    expect(e.parts.at(-1)?.part).toBe('fraction');
  });
});

describe('renderModelCard', () => {
  it('renders Markdown and lets no raw HTML or script link through', () => {
    const html = renderModelCard(
      '# Llama\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) [docs](https://example.org)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![pic](https://evil.example/x.png)',
    );
    expect(html).toContain('<h3>Llama</h3>');
    // Tags arrive escaped as text; no element or javascript: link is produced.
    expect(html).not.toMatch(/<(script|img)\b|href="javascript/i);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&lt;script&gt;');
    expect(html).toContain('<a href="https://example.org" rel="noopener noreferrer nofollow">docs</a>');
    expect(html).toContain('<table>');
  });
});

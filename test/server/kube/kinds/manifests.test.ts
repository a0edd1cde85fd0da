import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { LimitRange } from 'kubernetes-models/v1/LimitRange';
import { Namespace } from 'kubernetes-models/v1/Namespace';
import { ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import {
  MANAGED_BY_LABEL,
  renderConfigMap,
  renderDeployment,
  renderHttpRoute,
  renderLimitRange,
  renderNamespace,
  renderResourceQuota,
  renderService,
  routeWeights,
} from '../../../../server/kube';

// Every renderer's output is validated against the Kubernetes OpenAPI schema
// (kubernetes-models) and, for HTTPRoute, the Gateway API CRD schema (@kubernetes-models/gateway-api).
describe('rendered manifests', () => {
  it('Namespace validates and carries the managed-by label', () => {
    const m = renderNamespace({ name: 'tenant-a', labels: { 'leitstand.io/tenant': 'a' } });
    expect(() => new Namespace(m as never).validate()).not.toThrow();
    expect(m.metadata.labels?.[MANAGED_BY_LABEL]).toBe('leitstand');
  });

  it('ResourceQuota with GPU requests validates', () => {
    const m = renderResourceQuota({ namespace: 'tenant-a', name: 'gpu', hard: { 'requests.nvidia.com/gpu': '4', pods: '20' } });
    expect(() => new ResourceQuota(m as never).validate()).not.toThrow();
  });

  it('LimitRange validates', () => {
    const m = renderLimitRange({
      namespace: 'tenant-a',
      name: 'defaults',
      limits: [{ type: 'Container', default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '250m', memory: '256Mi' } }],
    });
    expect(() => new LimitRange(m as never).validate()).not.toThrow();
  });

  it('ConfigMap validates', () => {
    const m = renderConfigMap({ namespace: 'gw', name: 'guard-policy', data: { 'policy.yaml': 'rules: []\n' } });
    expect(() => new ConfigMap(m as never).validate()).not.toThrow();
  });

  it('Deployment for a GPU model server validates, with tolerations and node selector', () => {
    const m = renderDeployment({
      namespace: 'models',
      name: 'llama-3-8b',
      image: 'vllm/vllm-openai:v0.6.0',
      replicas: 2,
      selector: { 'leitstand.io/model': 'llama-3-8b' },
      args: ['--model', '/models/llama'],
      env: { HF_HUB_OFFLINE: '1' },
      ports: [{ name: 'http', containerPort: 8000 }],
      requests: { cpu: '4', memory: '32Gi', 'nvidia.com/gpu': '1' },
      limits: { 'nvidia.com/gpu': '1' },
      nodeSelector: { 'nvidia.com/gpu.product': 'NVIDIA-A100-SXM4-80GB' },
      tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    });
    expect(() => new Deployment(m as never).validate()).not.toThrow();
  });

  it('Service validates', () => {
    const m = renderService({ namespace: 'models', name: 'llama', selector: { app: 'llama' }, ports: [{ name: 'http', port: 80, targetPort: 8000 }] });
    expect(() => new Service(m as never).validate()).not.toThrow();
  });

  it('weighted HTTPRoute validates against the Gateway API v1 schema', () => {
    const m = renderHttpRoute({
      namespace: 'models',
      name: 'llama',
      parentRefs: [{ name: 'llm-gateway', namespace: 'gateway' }],
      hostnames: ['llm.example.internal'],
      backends: [
        { name: 'llama-stable', port: 80, weight: 90 },
        { name: 'llama-canary', port: 80, weight: 10 },
      ],
    });
    expect(() => new HTTPRoute(m as never).validate()).not.toThrow();
    expect(routeWeights(m)).toEqual({ 'llama-stable': 90, 'llama-canary': 10 });
  });

  it('the validators can fail: a negative replica count and an out-of-range weight are rejected', () => {
    const d = renderDeployment({ namespace: 'm', name: 'x', image: 'i', replicas: 1, selector: { a: 'b' } });
    (d.spec as { replicas: unknown }).replicas = 'two';
    expect(() => new Deployment(d as never).validate()).toThrow();
    const r = renderHttpRoute({ namespace: 'm', name: 'r', parentRefs: [{ name: 'g' }], backends: [{ name: 's', port: 80, weight: 2_000_000 }] });
    expect(() => new HTTPRoute(r as never).validate()).toThrow();
  });
});

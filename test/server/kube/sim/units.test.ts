import { describe, expect, it } from 'vitest';
import { canonicalQuantity, parseQuantity } from '../../../../server/kube/sim/quantity';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from '../../../../server/kube/sim/selectors';
import { templateHash, resolveFenceposts } from '../../../../server/kube/sim/controllers/deployment';

describe('quantities', () => {
  it('prints the canonical form the API server stores', () => {
    const cases: Array<[string, string]> = [
      ['1024Mi', '1Gi'], ['0.5', '500m'], ['1000m', '1'], ['1.5Gi', '1536Mi'], ['100Mi', '100Mi'], ['1000', '1k'],
      ['1500', '1500'], ['2000m', '2'], ['512', '512'], ['1e3', '1e3'], ['0.1', '100m'], ['1023Ki', '1023Ki'], ['81920Mi', '80Gi'], ['0', '0'],
    ];
    for (const [input, out] of cases) expect(canonicalQuantity(input), input).toBe(out);
  });

  it('rejects malformed quantities and compares exactly', () => {
    expect(() => parseQuantity('1.2.3')).toThrow(/quantities must match the regular expression/);
    expect(() => parseQuantity('ten')).toThrow();
    expect(parseQuantity('1Gi').nano).toBe(1073741824n * 1_000_000_000n);
    expect(parseQuantity('250m').nano).toBe(250_000_000n);
  });
});

describe('label selectors', () => {
  const labels = { app: 'llm', tier: 'model', 'app.kubernetes.io/managed-by': 'leitstand' };
  it.each([
    ['app=llm', true], ['app==llm', true], ['app!=llm', false], ['app=other', false],
    ['tier in (model, guard)', true], ['tier notin (model)', false], ['tier notin (guard)', true],
    ['app.kubernetes.io/managed-by', true], ['!canary', true], ['!app', false], ['app=llm,tier=model', true], ['app=llm,tier=guard', false],
    ['missing!=x', true], ['missing in (x)', false], ['', true],
  ])('%s → %s', (sel, expected) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(expected);
  });

  it('rejects malformed selectors with a 400', () => {
    expect(() => parseLabelSelector('a in b')).toThrow(/unable to parse requirement/);
    expect(() => parseLabelSelector('=x')).toThrow();
  });
});

describe('field selectors', () => {
  const pod = { metadata: { name: 'p', namespace: 'ns' }, spec: { nodeName: 'gpu-h100-01' }, status: { phase: 'Running' } };
  it('matches the indexed pod fields', () => {
    expect(matchesFields(parseFieldSelector('spec.nodeName=gpu-h100-01,status.phase!=Failed', 'Pod'), pod, 'Pod')).toBe(true);
    expect(matchesFields(parseFieldSelector('metadata.name=q', 'Pod'), pod, 'Pod')).toBe(false);
    expect(matchesFields(parseFieldSelector('metadata.namespace==ns', 'Pod'), pod, 'Pod')).toBe(true);
  });

  it('refuses fields the kind does not index, as the API server does', () => {
    expect(() => parseFieldSelector('spec.nodeName=x', 'ConfigMap')).toThrow('field label not supported: spec.nodeName');
  });
});

describe('deployment helpers', () => {
  it('hashes templates stably into the name alphabet', () => {
    const a = templateHash({ spec: { containers: [{ name: 'c', image: 'i:1' }] } });
    expect(a).toBe(templateHash({ spec: { containers: [{ name: 'c', image: 'i:1' }] } }));
    expect(a).not.toBe(templateHash({ spec: { containers: [{ name: 'c', image: 'i:2' }] } }));
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('rounds maxSurge up and maxUnavailable down', () => {
    expect(resolveFenceposts({ metadata: {}, spec: { replicas: 3 } })).toEqual({ surge: 1, unavailable: 0 });
    expect(resolveFenceposts({ metadata: {}, spec: { replicas: 10, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '30%' } } } })).toEqual({ surge: 0, unavailable: 3 });
    expect(resolveFenceposts({ metadata: {}, spec: { replicas: 1, strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } } })).toEqual({ surge: 0, unavailable: 1 });
  });
});

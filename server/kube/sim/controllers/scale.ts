import type { RequestContext } from '../http';
import { ApiError, badRequest, notFound, staleConflict } from '../errors';
import { jsonPatch, mergePatch } from '../patch';
import { PATCH_TYPES } from '../api';
import { fromLabelSelectorObject } from '../selectors';
import { type KubeObject, isPlainObject } from '../types';
import type { SimContext } from './runtime';

function selectorString(sel: unknown): string {
  const reqs = fromLabelSelectorObject(sel) ?? [];
  return reqs.map((r) => {
    if (r.op === '=') return `${r.key}=${r.values[0]}`;
    if (r.op === 'exists') return r.key;
    if (r.op === '!') return `!${r.key}`;
    return `${r.key} ${r.op} (${r.values.join(',')})`;
  }).join(',');
}

function toScale(obj: KubeObject): KubeObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid,
      resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp,
    },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorString(obj.spec?.selector) },
  };
}

/** deployments/scale and replicasets/scale (autoscaling/v1 Scale). */
export function startScale(ctx: SimContext) {
  const { api } = ctx;
  const handler = (req: RequestContext) => {
    const current = api.get(req.t, req.namespace, req.name);
    if (req.method === 'GET') return { code: 200, verb: 'get', body: toScale(current) };
    let scale: unknown;
    let verb = 'update';
    if (req.method === 'PUT') scale = req.body;
    else if (req.method === 'PATCH') {
      verb = 'patch';
      const { raw, contentType } = req.body as { raw: string; contentType: string };
      const type = contentType.split(';')[0]!.trim();
      let doc: unknown;
      try {
        doc = type === PATCH_TYPES.apply ? undefined : JSON.parse(raw);
      } catch (e) {
        throw badRequest(`error decoding patch: ${(e as Error).message}`);
      }
      if (type === PATCH_TYPES.json) scale = jsonPatch(toScale(current), doc);
      else if (type === PATCH_TYPES.merge || type === PATCH_TYPES.strategic) scale = mergePatch(toScale(current), doc);
      else throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.json}, ${PATCH_TYPES.merge}, ${PATCH_TYPES.strategic}`);
    } else throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    if (!isPlainObject(scale)) throw badRequest('a Scale object is required');
    const s = scale as KubeObject;
    if (s.metadata?.resourceVersion && s.metadata.resourceVersion !== current.metadata.resourceVersion) throw staleConflict(req.t, req.name);
    const replicas = s.spec?.replicas;
    if (typeof replicas !== 'number' || replicas < 0 || !Number.isInteger(replicas)) {
      throw new ApiError(422, 'Invalid', `Scale.autoscaling "${req.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        { name: req.name, group: 'autoscaling', kind: 'Scale', causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }] });
    }
    if (req.dryRun) return { code: 200, verb, body: toScale({ ...current, spec: { ...current.spec, replicas } }) };
    const updated = api.mutate(req.t.kind, req.namespace, req.name, req.fieldManager, (o) => {
      o.spec.replicas = replicas;
    });
    if (!updated) throw notFound(req.t, req.name);
    return { code: 200, verb, body: toScale(updated) };
  };
  ctx.subresources['deployments/scale'] = handler;
  ctx.subresources['replicasets/scale'] = handler;
}

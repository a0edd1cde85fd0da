import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { Field } from '~/components/auth/field';
import { PlacementResultView } from '~/components/gpu/placement-result';
import { SelectField } from '~/components/tenants/fields';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readCluster } from '~/utils/cluster.server';
import { type PlacementRequest, type PlacementResult, listPools, planWithTenantQuota, tenantSlugs } from '~/utils/gpu.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'gpu:read' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'gpu.planner.title' });

const whole = (v: string | null) => (v && /^\d+$/.test(v.trim()) ? Number(v) : Number.NaN);

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'gpu:read');
  const params = new URL(request.url).searchParams;
  const [pools, tenants] = await Promise.all([listPools(), tenantSlugs()]);
  const values = Object.fromEntries(['replicas', 'gpus', 'memory', 'products', 'pool', 'tenant', 'mig', 'cpu', 'ram'].map((k) => [k, params.get(k) ?? '']));
  let result: PlacementResult | null = null;
  let error: string | null = null;
  if (params.has('replicas')) {
    const gib = values.memory?.trim() ? Number(values.memory) : undefined;
    const planRequest: PlacementRequest = {
      replicas: whole(values.replicas ?? ''),
      gpusPerReplica: whole(values.gpus ?? ''),
      ...(gib !== undefined ? { gpuMemoryGiBPerReplica: gib } : {}),
      ...(values.products ? { products: values.products.split(',').map((p) => p.trim()).filter(Boolean) } : {}),
      ...(values.pool ? { pool: values.pool } : {}),
      ...(values.tenant && tenants.includes(values.tenant) ? { tenant: values.tenant } : {}),
      ...(values.mig ? { migProfile: values.mig.trim() } : {}),
      ...(values.cpu ? { cpu: values.cpu.trim() } : {}),
      ...(values.ram ? { memory: values.ram.trim() } : {}),
    };
    const planned = await readCluster(() => planWithTenantQuota(planRequest), null);
    result = planned.value?.result ?? null;
    error = planned.error;
  }
  // Input the planner cannot plan with is shown next to its field, not as the answer.
  const fieldErrors = result && !result.fits && result.fieldErrors ? plannerFieldErrors(result.fieldErrors) : null;
  return json({ values, pools: pools.map((p) => p.name), tenants, result: fieldErrors ? null : result, fieldErrors: fieldErrors ?? {}, error });
}

/** The planner's refused request fields as the form's field names. */
function plannerFieldErrors(errors: NonNullable<Extract<PlacementResult, { fits: false }>['fieldErrors']>): Record<string, string[]> {
  const formField = { replicas: 'replicas', gpusPerReplica: 'gpus', gpuMemoryGiBPerReplica: 'memory', pool: 'pool', cpu: 'cpu', memory: 'ram' } as const;
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(errors)) if (messages?.length) out[formField[field as keyof typeof formField]] = messages;
  return out;
}

export default function PlannerPage() {
  const { values, pools, tenants, result, fieldErrors, error } = useLoaderData<typeof loader>();
  const errors: Record<string, string[] | undefined> = fieldErrors;
  const t = useT();
  return (
    <>
      <p>
        <Link to="/gpus">← {t('gpu.backToInventory')}</Link>
      </p>
      <h1>{t('gpu.planner.title')}</h1>
      <p className="muted">{t('gpu.planner.intro')}</p>
      <Form method="get" className="stack">
        <Field name="replicas" label={t('gpu.planner.replicas')} defaultValue={values.replicas || '1'} errors={errors.replicas} required />
        <Field name="gpus" label={t('gpu.planner.gpus')} defaultValue={values.gpus || '1'} errors={errors.gpus} required />
        <Field name="memory" label={t('gpu.planner.memory')} hint={t('gpu.planner.memoryHint')} defaultValue={values.memory} errors={errors.memory} />
        <Field name="products" label={t('gpu.planner.products')} hint={t('gpu.planner.productsHint')} defaultValue={values.products} />
        <SelectField name="pool" label={t('gpu.planner.pool')} defaultValue={values.pool} options={[{ value: '', label: t('gpu.planner.any') }, ...pools.map((p) => ({ value: p, label: p }))]} errors={errors.pool} />
        <SelectField name="tenant" label={t('gpu.planner.tenant')} defaultValue={values.tenant} options={[{ value: '', label: t('gpu.planner.noTenant') }, ...tenants.map((p) => ({ value: p, label: p }))]} />
        <Field name="mig" label={t('gpu.planner.mig')} hint={t('gpu.planner.migHint')} defaultValue={values.mig} />
        <Field name="cpu" label={t('gpu.planner.cpu')} defaultValue={values.cpu} errors={errors.cpu} />
        <Field name="ram" label={t('gpu.planner.ram')} defaultValue={values.ram} errors={errors.ram} />
        <button type="submit">{t('gpu.planner.submit')}</button>
      </Form>
      {error ? <p className="alert alert-error" role="alert">{t('cluster.loadFailed', { reason: error })}</p> : null}
      {result ? <PlacementResultView result={result} /> : null}
    </>
  );
}

import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { Select, TextArea } from '~/components/models/fields';
import { PlacementReport, type PlacementReportData } from '~/components/models/placement-report';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { deploymentJson, getDeployment, getGpuInventory, isPlacementError, listPools, modelAction, placementJson, planDeploymentUpdate, readModelForm, updateDeployment } from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'models.edit.title', vars: { name: `${data.deployment.namespace}/${data.deployment.name}` } }, { key: 'models.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'models:write');
  return loaderWork(async () => {
    const d = await getDeployment(params.id ?? '');
    if (d.removedAt) throw new Response('This deployment was removed.', { status: 404 });
    const [pools, products] = await Promise.all([
      listPools(),
      getGpuInventory()
        .then((i) => i.products)
        .catch(() => [] as string[]),
    ]);
    return json({ deployment: deploymentJson(d), pools: pools.map((p) => p.name), products });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  const id = params.id ?? '';
  return modelAction(async () => {
    const form = await readModelForm(request);
    if (form.intent === 'check') {
      const plan = await planDeploymentUpdate(id, form, { requireReason: false });
      return json({ ok: true as const, placement: plan.placement ? placementJson(plan.placement) : null, values: form });
    }
    try {
      await updateDeployment(actor, id, form);
      return redirect(`/models/deployments/${id}`);
    } catch (error) {
      // A placement refusal shows the same report as the check.
      if (isPlacementError(error)) {
        return json(
          { ok: false as const, formError: error.message, fieldErrors: {}, placement: placementJson(error.check), values: form },
          { status: 400 },
        );
      }
      throw error;
    }
  });
}

type Result =
  | { ok: true; placement: PlacementReportData | null; values: Record<string, string> }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]>; placement?: PlacementReportData; values?: Record<string, string> };

export default function EditDeploymentPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const t = useT();
  const d = data.deployment;
  const fe = result && !result.ok ? result.fieldErrors : {};
  const sent = (result?.values ?? {}) as Record<string, string>;
  const value = (name: string, current: string | number | null | undefined) => sent[name] ?? (current === null || current === undefined ? '' : String(current));
  const busy = navigation.state === 'submitting';
  return (
    <>
      <p>
        <Link to={`/models/deployments/${d.id}`}>
          {d.namespace}/{d.name}
        </Link>
      </p>
      <h1>{t('models.edit.title', { name: `${d.namespace}/${d.name}` })}</h1>
      <p>{t('models.edit.intro')}</p>
      <p>{t('models.edit.fixed', { model: d.model ?? '', engine: d.engine, namespace: d.namespace })}</p>
      {result && !result.ok && Object.keys(fe).length === 0 && !result.placement ? <FormError message={result.formError} /> : null}
      {result?.ok && result.placement === null ? <Notice>{t('models.edit.noCheck')}</Notice> : null}
      {result?.placement ? <PlacementReport data={result.placement} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <input type="hidden" name="revision" value={String(d.revision)} />
        <Field name="replicas" label={t('models.deployment.replicas')} type="number" defaultValue={value('replicas', d.replicas)} errors={fe.replicas} />
        <Field name="gpusPerReplica" label={t('models.deploy.gpus')} type="number" defaultValue={value('gpusPerReplica', d.gpusPerReplica)} errors={fe.gpusPerReplica} />
        <Select name="gpuProduct" label={t('models.deploy.product')} emptyLabel={t('models.deploy.any')} options={[...new Set([...data.products, ...(d.gpuProduct ? [d.gpuProduct] : [])])].map((p) => ({ value: p, label: p }))} defaultValue={value('gpuProduct', d.gpuProduct)} errors={fe.gpuProduct} />
        <Select name="pool" label={t('models.deploy.pool')} emptyLabel={t('models.deploy.any')} options={[...new Set([...data.pools, ...(d.pool ? [d.pool] : [])])].map((p) => ({ value: p, label: p }))} defaultValue={value('pool', d.pool)} errors={fe.pool} />
        <Field name="cpu" label={t('models.deploy.cpu')} defaultValue={value('cpu', d.cpu)} errors={fe.cpu} autoComplete="off" />
        <Field name="memory" label={t('models.deploy.memory')} defaultValue={value('memory', d.memory)} errors={fe.memory} autoComplete="off" />
        <Field name="tensorParallelSize" label={t('models.deploy.tp')} hint={t('models.deploy.tpHint')} type="number" defaultValue={value('tensorParallelSize', d.settings.tensorParallelSize)} errors={fe.tensorParallelSize} />
        <Field name="maxModelLen" label={t('models.deploy.maxLen')} hint={t('models.deploy.maxLenHint')} type="number" defaultValue={value('maxModelLen', d.settings.maxModelLen)} errors={fe.maxModelLen} />
        <Field name="gpuMemoryUtilization" label={t('models.deploy.gpuMem')} hint={t('models.deploy.gpuMemHint')} defaultValue={value('gpuMemoryUtilization', d.settings.gpuMemoryUtilization)} errors={fe.gpuMemoryUtilization} autoComplete="off" />
        <TextArea name="extraArgs" label={t('models.deploy.extraArgs')} hint={t('models.deploy.extraArgsHint')} defaultValue={value('extraArgs', (d.settings.extraArgs ?? []).join('\n'))} errors={fe.extraArgs} rows={2} />
        <TextArea name="reason" label={t('models.rollout.reason')} defaultValue={sent.reason} errors={fe.reason} rows={2} required />
        <p className="toolbar">
          <button type="submit" name="intent" value="check" className="secondary" disabled={busy}>
            {t('models.deploy.check')}
          </button>
          <button type="submit" name="intent" value="update" disabled={busy}>
            {t('models.edit.submit')}
          </button>
        </p>
      </Form>
    </>
  );
}

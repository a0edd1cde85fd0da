import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { Select, TextArea } from '~/components/models/fields';
import { PlacementReport, type PlacementReportData } from '~/components/models/placement-report';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import {
  checkDeploymentPlacement,
  deployModel,
  engineLabel,
  getGpuInventory,
  getModel,
  inferenceEngines,
  isPlacementError,
  listPools,
  listTenants,
  listVersions,
  modelAction,
  placementJson,
  readModelForm,
} from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:write' };

export const meta: MetaFunction = ({ matches, params }) => pageTitle(matches, params.name && { key: 'models.deploy.title', vars: { name: params.name } }, { key: 'models.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'models:write');
  return loaderWork(async () => {
    const model = await getModel(params.name ?? '');
    const [versions, tenants, pools, products] = await Promise.all([
      listVersions(model.id),
      listTenants(),
      listPools(),
      getGpuInventory()
        .then((i) => i.products)
        .catch(() => [] as string[]),
    ]);
    return json({
      name: model.name,
      versions: versions.filter((v) => v.stage === 'production').map((v) => ({ id: v.id, label: v.label, format: v.format })),
      engines: inferenceEngines.map((e) => ({ value: e, label: engineLabel(e) })),
      tenants: tenants.filter((t) => t.status === 'active').map((t) => ({ slug: t.slug, name: t.name })),
      pools: pools.map((p) => p.name),
      products,
    });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  const name = params.name ?? '';
  return modelAction(async () => {
    const form = await readModelForm(request);
    if (form.intent === 'check') {
      const check = await checkDeploymentPlacement(name, form);
      return json({ ok: true as const, placement: placementJson(check), values: form });
    }
    try {
      const { deployment } = await deployModel(actor, name, form);
      return redirect(`/models/deployments/${deployment.id}`);
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
  | { ok: true; placement: PlacementReportData; values: Record<string, string> }
  | { ok: false; formError: string; fieldErrors: Record<string, string[]>; placement?: PlacementReportData; values?: Record<string, string> };

export default function DeployPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const t = useT();
  const fe = result && !result.ok ? result.fieldErrors : {};
  const values = (result?.values ?? {}) as Record<string, string>;
  const busy = navigation.state === 'submitting';
  if (data.versions.length === 0) {
    return (
      <>
        <h1>{t('models.deploy.title', { name: data.name })}</h1>
        <p>{t('models.deploy.noProduction')}</p>
        <p>
          <Link to={`/models/${encodeURIComponent(data.name)}`}>{data.name}</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <p>
        <Link to={`/models/${encodeURIComponent(data.name)}`}>{data.name}</Link>
      </p>
      <h1>{t('models.deploy.title', { name: data.name })}</h1>
      {result && !result.ok && Object.keys(fe).length === 0 && !result.placement ? <FormError message={result.formError} /> : null}
      {result?.placement ? <PlacementReport data={result.placement} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <Select name="versionId" label={t('models.deploy.version')} options={data.versions.map((v) => ({ value: v.id, label: `${v.label} (${v.format})` }))} defaultValue={values.versionId} errors={fe.versionId} />
        <Select name="engine" label={t('models.deployment.engine')} options={data.engines} defaultValue={values.engine} errors={fe.engine} />
        <Select
          name="target"
          label={t('models.deploy.target')}
          options={[{ value: 'platform', label: t('models.deploy.platform') }, ...data.tenants.map((x) => ({ value: `tenant:${x.slug}`, label: t('models.deploy.tenant', { name: x.name }) }))]}
          defaultValue={values.target}
          errors={fe.target}
        />
        <Field name="name" label={t('models.deployment.name')} hint={t('models.deploy.nameHint')} defaultValue={values.name} errors={fe.name} autoComplete="off" />
        <Field name="replicas" label={t('models.deployment.replicas')} type="number" defaultValue={values.replicas ?? '1'} errors={fe.replicas} />
        <Field name="gpusPerReplica" label={t('models.deploy.gpus')} type="number" defaultValue={values.gpusPerReplica ?? '1'} errors={fe.gpusPerReplica} />
        <Select name="gpuProduct" label={t('models.deploy.product')} emptyLabel={t('models.deploy.any')} options={data.products.map((p) => ({ value: p, label: p }))} defaultValue={values.gpuProduct} errors={fe.gpuProduct} />
        <Select name="pool" label={t('models.deploy.pool')} emptyLabel={t('models.deploy.any')} options={data.pools.map((p) => ({ value: p, label: p }))} defaultValue={values.pool} errors={fe.pool} />
        <Field name="cpu" label={t('models.deploy.cpu')} defaultValue={values.cpu ?? '8'} errors={fe.cpu} autoComplete="off" />
        <Field name="memory" label={t('models.deploy.memory')} defaultValue={values.memory ?? '64Gi'} errors={fe.memory} autoComplete="off" />
        <Field name="tensorParallelSize" label={t('models.deploy.tp')} hint={t('models.deploy.tpHint')} type="number" defaultValue={values.tensorParallelSize} errors={fe.tensorParallelSize} />
        <Field name="maxModelLen" label={t('models.deploy.maxLen')} hint={t('models.deploy.maxLenHint')} type="number" defaultValue={values.maxModelLen} errors={fe.maxModelLen} />
        <Field name="gpuMemoryUtilization" label={t('models.deploy.gpuMem')} hint={t('models.deploy.gpuMemHint')} defaultValue={values.gpuMemoryUtilization} errors={fe.gpuMemoryUtilization} autoComplete="off" />
        <TextArea name="extraArgs" label={t('models.deploy.extraArgs')} hint={t('models.deploy.extraArgsHint')} defaultValue={values.extraArgs} errors={fe.extraArgs} rows={2} />
        <TextArea name="reason" label={t('models.rollout.reason')} defaultValue={values.reason} errors={fe.reason} rows={2} />
        <p className="toolbar">
          <button type="submit" name="intent" value="check" className="secondary" disabled={busy}>
            {t('models.deploy.check')}
          </button>
          <button type="submit" name="intent" value="deploy" disabled={busy}>
            {t('models.deploy.submit')}
          </button>
        </p>
      </Form>
    </>
  );
}

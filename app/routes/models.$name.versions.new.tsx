import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { Select, TextArea } from '~/components/models/fields';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { getModel, modelAction, modelFormats, quantizations, readModelForm, registerVersion } from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:write' };

export const meta: MetaFunction = ({ matches, params }) => pageTitle(matches, params.name && { key: 'models.version.newFor', vars: { name: params.name } }, { key: 'models.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'models:write');
  return loaderWork(async () => {
    const model = await getModel(params.name ?? '');
    return json({ name: model.name, formats: [...modelFormats], quantizations: [...quantizations] });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  return modelAction(async () => {
    const version = await registerVersion(actor, params.name ?? '', await readModelForm(request));
    return redirect(`/models/${encodeURIComponent(params.name ?? '')}/versions/${encodeURIComponent(version.label)}`);
  });
}

type Result = { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function NewVersion() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const fe = result?.fieldErrors ?? {};
  const evalErrors = Object.entries(fe)
    .filter(([k]) => k.startsWith('evaluations'))
    .flatMap(([k, v]) => v.map((m) => (k === 'evaluations' ? m : `${t('models.eval.line', { n: Number(k.split('.')[1] ?? 0) + 1 })}: ${m}`)));
  return (
    <>
      <p>
        <Link to={`/models/${encodeURIComponent(data.name)}`}>{data.name}</Link>
      </p>
      <h1>{t('models.version.newFor', { name: data.name })}</h1>
      {result && Object.keys(fe).length === 0 ? <FormError message={result.formError} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <Field name="label" label={t('models.version.label')} hint={t('models.version.labelHint')} required errors={fe.label} autoComplete="off" />
        <Field name="artifactUri" label={t('models.version.artifact')} hint={t('models.version.artifactHint')} required errors={fe.artifactUri} autoComplete="off" />
        <Select name="format" label={t('models.version.format')} options={data.formats.map((f) => ({ value: f, label: f }))} errors={fe.format} />
        <Select name="quantization" label={t('models.version.quantization')} options={data.quantizations.map((q) => ({ value: q, label: q }))} defaultValue="bf16" errors={fe.quantization} />
        <Field name="parameterCount" label={t('models.version.parameters')} hint={t('models.version.parametersHint')} required errors={fe.parameterCount} autoComplete="off" />
        <Field name="contextLength" label={t('models.version.context')} type="number" required errors={fe.contextLength} autoComplete="off" />
        <Field name="sizeBytes" label={t('models.version.size')} hint={t('models.version.sizeHint')} required errors={fe.sizeBytes} autoComplete="off" />
        <Field name="sha256" label={t('models.version.sha256')} required errors={fe.sha256} autoComplete="off" />
        <TextArea name="datasets" label={t('models.version.datasets')} hint={t('models.version.datasetsHint')} errors={fe.datasets} rows={3} />
        <TextArea name="evaluations" label={t('models.eval.title')} hint={t('models.eval.hint')} errors={evalErrors.length ? evalErrors : undefined} rows={4} />
        <TextArea name="modelCard" label={t('models.version.card')} hint={t('models.version.cardHint')} errors={fe.modelCard} rows={10} />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('models.version.register')}
        </button>
      </Form>
    </>
  );
}

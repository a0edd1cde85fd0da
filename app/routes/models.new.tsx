import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, useActionData, useNavigation } from '@remix-run/react';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { TextArea } from '~/components/models/fields';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { createModel, modelAction, readModelForm } from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'models.new' }, { key: 'models.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  await requirePermission(request, 'models:write');
  return json({});
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'models:write');
  return modelAction(async () => {
    const model = await createModel(actor, await readModelForm(request));
    return redirect(`/models/${encodeURIComponent(model.name)}`);
  });
}

type Result = { ok: false; formError: string; fieldErrors: Record<string, string[]> };

export default function NewModel() {
  const t = useT();
  const result = useActionData<Result>();
  const navigation = useNavigation();
  const fe = result?.fieldErrors ?? {};
  return (
    <>
      <h1>{t('models.new')}</h1>
      {result && Object.keys(fe).length === 0 ? <FormError message={result.formError} /> : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <Field name="name" label={t('models.name')} hint={t('models.nameHint')} required errors={fe.name} autoComplete="off" />
        <Field name="family" label={t('models.family')} required errors={fe.family} autoComplete="off" />
        <Field name="owner" label={t('models.owner')} required errors={fe.owner} autoComplete="off" />
        <Field name="license" label={t('models.license')} required errors={fe.license} autoComplete="off" />
        <Field name="tags" label={t('models.tags')} hint={t('models.tagsHint')} errors={fe.tags} autoComplete="off" />
        <TextArea name="description" label={t('models.description')} errors={fe.description} />
        <button type="submit" disabled={navigation.state === 'submitting'}>
          {t('models.create')}
        </button>
      </Form>
    </>
  );
}

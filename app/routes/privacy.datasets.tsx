import { type ActionFunctionArgs, json, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { TextAreaField } from '~/components/privacy/fields';
import { PrivacyNav } from '~/components/privacy/privacy-nav';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { createDataset, listDatasets } from '~/utils/privacy.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'privacy:read', actionPermission: 'privacy:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'privacy.datasets.title' }, { key: 'privacy.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'privacy:read');
  return loaderWork(async () =>
    json({
      datasets: (await listDatasets()).map((d) => ({ id: d.id, name: d.name, description: d.description, subjectCount: d.subjectCount, models: d.models })),
      canWrite: user?.permissions.includes('privacy:write') ?? false,
    }),
  );
}

// Built on call (no zod schema at module level in route modules).
function schema() {
  return z.object({ name: z.string().default(''), description: z.string().default(''), models: z.string().default(''), subjectIndex: z.string().default('') });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'privacy:write');
  return formAction(async () => {
    const data = await parseForm(request, schema());
    const models = data.models
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter(Boolean)
      .map((l) => {
        const at = l.lastIndexOf('@');
        return { modelName: at > 0 ? l.slice(0, at) : l, versionLabel: at > 0 ? l.slice(at + 1) : '' };
      });
    const created = await createDataset({ ...data, models }, actor);
    return json({ ok: true as const, subjects: created.subjects });
  });
}

export default function DatasetsPage() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: true; subjects: number } | { ok: false; formError: string; fieldErrors: Record<string, string[]> }>();
  const busy = useNavigation().state === 'submitting';
  const fe = result && !result.ok ? result.fieldErrors : {};
  return (
    <>
      <h1>{t('privacy.datasets.title')}</h1>
      <PrivacyNav />
      <p className="muted">{t('privacy.datasets.note')}</p>
      {result?.ok ? <Notice>{t('privacy.action.done')}</Notice> : null}
      {result && !result.ok ? <FormError message={result.formError} /> : null}
      {data.datasets.length === 0 ? (
        <p className="muted">{t('privacy.datasets.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{t('privacy.datasets.title')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('privacy.datasets.name')}</th>
                <th scope="col">{t('privacy.datasets.description')}</th>
                <th scope="col" className="num">{t('privacy.datasets.subjects')}</th>
                <th scope="col">{t('privacy.datasets.modelsColumn')}</th>
              </tr>
            </thead>
            <tbody>
              {data.datasets.map((d) => (
                <tr key={d.id}>
                  <td>{d.name}</td>
                  <td>{d.description}</td>
                  <td className="num">{d.subjectCount}</td>
                  <td>{d.models.map((m) => `${m.modelName}@${m.versionLabel}`).join(', ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data.canWrite ? (
        <section aria-labelledby="new-dataset">
          <h2 id="new-dataset">{t('privacy.datasets.new')}</h2>
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <Field name="name" label={t('privacy.datasets.name')} errors={fe.name} autoComplete="off" />
            <Field name="description" label={t('privacy.datasets.description')} errors={fe.description} />
            <TextAreaField name="models" label={t('privacy.datasets.models')} errors={fe.models ?? fe['models.0.versionLabel']} rows={3} />
            <TextAreaField name="subjectIndex" label={t('privacy.datasets.subjectIndex')} errors={fe.subjectIndex} rows={6} />
            <button type="submit" disabled={busy}>{t('privacy.datasets.new')}</button>
          </Form>
        </section>
      ) : null}
    </>
  );
}

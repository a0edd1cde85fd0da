import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { TextArea } from '~/components/guard/fields';
import { ChecksTable, VersionStatus } from '~/components/guard/guard-views';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { getPolicy, getPolicyVersion, publishOptions, publishVersion, qualityOf, updateDraft } from '~/utils/guard.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'guard:read', actionPermission: 'guard:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && `${data.policy.name} v${data.version.version}`, { key: 'guard.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'guard:read');
  return loaderWork(async () => {
    const { policy } = await getPolicy(params.policyId ?? '');
    const version = await getPolicyVersion(policy.id, Number(params.version));
    return json({
      canWrite: principal.permissions.includes('guard:write'),
      policy: { id: policy.id, name: policy.name },
      version: { version: version.version, status: version.status, checksums: version.checksums },
      definition: version.definition,
      json: JSON.stringify(version.definition, null, 2),
      quality: qualityOf(version),
    });
  });
}

/** JSON.parse that reports a syntax error as a field error of the textarea. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    return { __invalidJson: error instanceof Error ? error.message : String(error) };
  }
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'guard:write');
  const policyId = params.policyId ?? '';
  const version = Number(params.version);
  return formAction(async () => {
    const data = await parseForm(
      request,
      z.discriminatedUnion('intent', [z.object({ intent: z.literal('save'), definition: z.string() }), z.object({ intent: z.literal('publish') })]),
    );
    if (data.intent === 'publish') {
      await publishVersion({ policyId, version }, actor, publishOptions());
      return json({ ok: true as const, saved: false });
    }
    const parsed = parseJson(data.definition);
    if (parsed && typeof parsed === 'object' && '__invalidJson' in parsed) {
      return json(
        { ok: false as const, formError: 'The definition is not valid JSON.', fieldErrors: { definition: [String(parsed.__invalidJson)] } },
        400,
      );
    }
    await updateDraft({ policyId, version, definition: parsed }, actor);
    return json({ ok: true as const, saved: true });
  });
}

export default function GuardVersionPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ ok: boolean; saved?: boolean; formError?: string; fieldErrors?: Record<string, string[]> }>();
  const navigation = useNavigation();
  const t = useT();
  const f = useFormat();
  const fieldErrors = result?.fieldErrors ?? {};
  const definitionErrors = Object.entries(fieldErrors).map(([field, messages]) => `${field}: ${messages.join(' ')}`);
  const editable = data.canWrite && data.version.status === 'draft';
  return (
    <>
      <p>
        <Link to={`/guard/${data.policy.id}`}>{t('guard.back', { name: data.policy.name })}</Link>
      </p>
      <h1>
        {data.policy.name} · {t('guard.version')} {data.version.version} <VersionStatus status={data.version.status} />
      </h1>
      {result?.ok === false ? <FormError message={result.formError} /> : null}
      {result?.ok && result.saved ? (
        <p className="alert alert-ok" role="status">
          {t('guard.saved')}
        </p>
      ) : null}
      <ChecksTable checks={data.definition.checks} caption={t('guard.checks')} />
      {data.version.status !== 'draft' ? (
        <p className="muted">{t('guard.readonly', { status: t(`guard.status.${data.version.status}` as MessageKey) })}</p>
      ) : null}
      {data.quality && data.quality.length > 0 ? (
        <section aria-labelledby="guard-quality">
          <h2 id="guard-quality">{t('guard.quality')}</h2>
          <p className="hint">{t('guard.qualityHint')}</p>
          <div className="table-wrap" role="region" aria-label={t('guard.quality')} tabIndex={0}>
            <table>
              <caption className="visually-hidden">{t('guard.quality')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('guard.detector')}</th>
                  <th scope="col">{t('guard.positives')}</th>
                  <th scope="col">{t('guard.precision')}</th>
                  <th scope="col">{t('guard.recall')}</th>
                </tr>
              </thead>
              <tbody>
                {data.quality.map((q) => (
                  <tr key={q.detector}>
                    <td>{q.detector}</td>
                    <td className="num">{q.positives}</td>
                    <td className="num">{q.precision === null ? t('guard.none') : f.number(q.precision, { min: 2, max: 2 })}</td>
                    <td className="num">{q.recall === null ? t('guard.none') : f.number(q.recall, { min: 2, max: 2 })}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}
      {data.version.checksums ? (
        <ul>
          {Object.entries(data.version.checksums).map(([format, checksum]) => (
            <li key={format}>
              {format}: <code>{checksum}</code>
            </li>
          ))}
        </ul>
      ) : null}
      <Form method="post" className="stack" noValidate>
        <CsrfInput />
        <TextArea
          key={data.json}
          name="definition"
          label={t('guard.editor')}
          hint={t('guard.editorHint')}
          defaultValue={data.json}
          rows={24}
          readOnly={!editable}
          code
          errors={definitionErrors.length ? definitionErrors : undefined}
        />
        {editable ? (
          <div className="actions">
            <button type="submit" name="intent" value="save" disabled={navigation.state === 'submitting'}>
              {t('guard.save')}
            </button>
            <button type="submit" name="intent" value="publish" className="secondary" disabled={navigation.state === 'submitting'}>
              {t('guard.publish')}
            </button>
          </div>
        ) : null}
      </Form>
    </>
  );
}

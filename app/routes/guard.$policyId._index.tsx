import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { Select } from '~/components/guard/fields';
import { VersionStatus } from '~/components/guard/guard-views';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction, loaderWork } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { archiveVersion, createDraft, getPolicy, publicationStatus, publishOptions, publishVersion } from '~/utils/guard.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'guard:read', actionPermission: 'guard:write' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data?.policy.name, { key: 'guard.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'guard:read');
  return loaderWork(async () => {
    const { policy, versions } = await getPolicy(params.policyId ?? '');
    const live = await publicationStatus(policy.id);
    return json({
      canWrite: principal.permissions.includes('guard:write'),
      policy: { id: policy.id, name: policy.name, description: policy.description },
      versions: versions.map((v) => ({
        version: v.version,
        status: v.status,
        checks: v.definition.checks.length,
        updatedAt: v.updatedAt.toISOString(),
        publishedAt: v.publishedAt?.toISOString() ?? null,
      })),
      live: live.map((r) => {
        const meta = (r.manifest as { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }).metadata;
        return {
          name: r.name,
          namespace: r.namespace,
          version: meta?.labels?.['guard.leitstand.io/version'] ?? null,
          checksum: meta?.annotations?.['guard.leitstand.io/checksum'] ?? null,
          applied: r.appliedGeneration === r.generation && r.observedExists,
          generation: r.generation,
          drift: r.driftDetected ? r.driftDescription : null,
          lastError: r.lastError,
        };
      }),
    });
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'guard:write');
  const policyId = params.policyId ?? '';
  return formAction(async () => {
    const data = await parseForm(
      request,
      z.object({ intent: z.enum(['draft', 'publish', 'archive'], { error: 'Unknown action.' }), version: z.coerce.number().int().positive() }),
    );
    if (data.intent === 'draft') {
      const draft = await createDraft({ policyId, fromVersion: data.version }, actor);
      return redirect(`/guard/${policyId}/v/${draft.version}`);
    }
    if (data.intent === 'publish') await publishVersion({ policyId, version: data.version }, actor, publishOptions());
    else await archiveVersion({ policyId, version: data.version }, actor);
    return json({ ok: true as const });
  });
}

export default function GuardPolicyPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ formError?: string }>();
  const t = useT();
  const f = useFormat();
  const versionOptions = data.versions.map((v) => ({ value: String(v.version), label: String(v.version) }));
  return (
    <>
      <p>
        <Link to="/guard">{t('guard.backToList')}</Link>
      </p>
      <h1>{data.policy.name}</h1>
      {data.policy.description ? <p>{data.policy.description}</p> : null}
      <FormError message={result?.formError} />
      <section aria-labelledby="guard-versions">
        <h2 id="guard-versions">{t('guard.versions')}</h2>
        <div className="table-wrap" role="region" aria-label={t('guard.versionsCaption')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('guard.versionsCaption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('guard.version')}</th>
                <th scope="col">{t('guard.status')}</th>
                <th scope="col">{t('guard.checks')}</th>
                <th scope="col">{t('guard.updated')}</th>
                {data.canWrite ? <th scope="col">{t('guard.check.action')}</th> : null}
              </tr>
            </thead>
            <tbody>
              {data.versions.map((v) => (
                <tr key={v.version}>
                  <td>
                    <Link to={`/guard/${data.policy.id}/v/${v.version}`} aria-label={t('guard.open', { version: v.version })}>
                      {v.version}
                    </Link>
                  </td>
                  <td>
                    <VersionStatus status={v.status} />
                  </td>
                  <td className="num">{v.checks}</td>
                  <td>
                    <time dateTime={v.updatedAt}>{f.dateTime(v.updatedAt)}</time>
                  </td>
                  {data.canWrite ? (
                    <td>
                      <Form method="post" className="inline">
                        <CsrfInput />
                        <input type="hidden" name="version" value={v.version} />
                        <button type="submit" name="intent" value="draft" className="secondary">
                          {t('guard.newDraft', { version: v.version })}
                        </button>
                        {v.status === 'draft' ? (
                          <button type="submit" name="intent" value="publish">
                            {t('guard.publish')}
                          </button>
                        ) : null}
                        {v.status !== 'archived' ? (
                          <button type="submit" name="intent" value="archive" className="secondary">
                            {t('guard.archive')}
                          </button>
                        ) : null}
                      </Form>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {data.versions.length > 1 ? (
          <Form method="get" action={`/guard/${data.policy.id}/diff`} className="stack">
            <h3>{t('guard.diff')}</h3>
            <Select name="from" label={t('guard.diffFrom')} options={versionOptions} defaultValue={versionOptions[1]?.value} />
            <Select name="to" label={t('guard.diffTo')} options={versionOptions} defaultValue={versionOptions[0]?.value} />
            <button type="submit">{t('guard.diffShow')}</button>
          </Form>
        ) : null}
      </section>
      <section aria-labelledby="guard-live">
        <h2 id="guard-live">{t('guard.live')}</h2>
        {data.live.length === 0 ? (
          <p className="muted">{t('guard.liveNone')}</p>
        ) : (
          <div className="table-wrap" role="region" aria-label={t('guard.liveCaption')} tabIndex={0}>
            <table>
              <caption className="visually-hidden">{t('guard.liveCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('guard.configMap')}</th>
                  <th scope="col">{t('guard.version')}</th>
                  <th scope="col">{t('guard.checksum')}</th>
                  <th scope="col">{t('guard.applied')}</th>
                </tr>
              </thead>
              <tbody>
                {data.live.map((r) => (
                  <tr key={r.name}>
                    <td>
                      <code>
                        {r.namespace}/{r.name}
                      </code>
                    </td>
                    <td className="num">{r.version}</td>
                    <td>
                      <code>{r.checksum?.slice(0, 19)}</code>
                    </td>
                    <td>
                      {r.applied ? (
                        <span className="badge badge-ok">{t('guard.appliedYes', { generation: r.generation })}</span>
                      ) : (
                        <span className="badge badge-warn">{t('guard.appliedPending')}</span>
                      )}{' '}
                      {r.drift ? <span className="badge badge-danger">{t('guard.drift', { description: r.drift })}</span> : null}{' '}
                      {r.lastError ? <span className="badge badge-danger">{t('guard.lastError', { error: r.lastError })}</span> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

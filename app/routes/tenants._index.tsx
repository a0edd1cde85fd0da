import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { z } from 'zod';
import { Field, FormError, Notice } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { LiteLlmPanel } from '~/components/tenants/litellm-sync';
import { TextAreaField, UsageMeter } from '~/components/tenants/fields';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { readCluster } from '~/utils/cluster.server';
import { formAction, isAppError } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import {
  type LiteLlmSyncView,
  createTenant,
  getDb,
  getGatewayLimits,
  getLiteLlmStatus,
  getTenantUsage,
  listTenants,
  requestLiteLlmSync,
  type TenantUsage,
} from '~/utils/tenants.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'tenants:read', actionPermission: 'tenants:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'tenants.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'tenants:read');
  const showArchived = new URL(request.url).searchParams.get('archived') === '1';
  const [tenants, gateway, litellm] = await Promise.all([listTenants({ includeArchived: showArchived }), getGatewayLimits(getDb()), getLiteLlmStatus()]);
  const usage = await readCluster(() => getTenantUsage(), [] as TenantUsage[]);
  const bySlug = new Map(usage.value.map((u) => [u.slug, u]));
  return json({
    canWrite: principal.permissions.includes('tenants:write'),
    showArchived,
    usageError: usage.error,
    gateway: gateway ? { version: gateway.version, publishedAt: gateway.publishedAt.toISOString() } : null,
    litellm: { ...litellm, latest: syncJson(litellm.latest), lastFinished: syncJson(litellm.lastFinished) },
    tenants: tenants.map((t) => {
      const u = bySlug.get(t.slug);
      return {
        slug: t.slug,
        name: t.name,
        namespace: t.namespace,
        costCentre: t.costCentre,
        status: t.status,
        gpus: u?.gpus ?? null,
        tokens: u?.tokens ?? null,
      };
    }),
  });
}

function syncJson(job: LiteLlmSyncView | null) {
  return job
    ? { ...job, createdAt: job.createdAt.toISOString(), runAt: job.runAt.toISOString(), finishedAt: job.finishedAt?.toISOString() ?? null }
    : null;
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'tenants:write');
  return formAction(async () => {
    const data = await parseForm(request, z.looseObject({ intent: z.enum(['create', 'litellm-sync'], { error: 'Unknown action.' }) }));
    if (data.intent === 'litellm-sync') {
      try {
        const sync = await requestLiteLlmSync(actor);
        return json({ ok: true as const, intent: data.intent, version: sync.version, created: sync.created, runAt: sync.runAt?.toISOString() ?? null });
      } catch (error) {
        // Not configured, or nothing published yet: said next to the button, not in the new-tenant form.
        if (isAppError(error) && error.status === 409) return json({ ok: false as const, intent: data.intent, formError: error.message, fieldErrors: {} }, { status: 409 });
        throw error;
      }
    }
    const tenant = await createTenant(actor, data);
    return redirect(`/tenants/${tenant.slug}`);
  });
}

type ActionResult =
  | { ok: true; intent: 'litellm-sync'; version: number; created: boolean; runAt: string | null }
  | { ok?: false; intent?: 'litellm-sync'; formError?: string; fieldErrors?: Record<string, string[]> };

export default function TenantsPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<ActionResult>();
  const navigation = useNavigation();
  const t = useT();
  const f = useFormat();
  const synced = result?.ok ? result : null;
  const failed = result && !result.ok ? result : null;
  const syncError = failed?.intent === 'litellm-sync' ? (failed.formError ?? null) : null;
  const createFailed = failed && failed.intent !== 'litellm-sync' ? failed : null;
  const fieldErrors = createFailed?.fieldErrors ?? {};
  const busy = navigation.state === 'submitting';
  return (
    <>
      <h1>{t('tenants.title')}</h1>
      <p className="muted">
        {data.gateway
          ? t('tenants.gatewayVersion', { version: data.gateway.version, time: f.dateTime(data.gateway.publishedAt) })
          : t('tenants.gatewayNone')}
      </p>
      {synced ? (
        <Notice>
          {synced.created
            ? t('tenants.litellm.queuedNotice', { version: synced.version })
            : synced.runAt
              ? t('tenants.litellm.alreadyQueuedAt', { version: synced.version, time: f.dateTime(synced.runAt, { seconds: true }) })
              : t('tenants.litellm.alreadyQueued', { version: synced.version })}
        </Notice>
      ) : null}
      {data.usageError ? (
        <p className="alert alert-error" role="alert">
          {t('cluster.loadFailed', { reason: data.usageError })}
        </p>
      ) : null}
      <p>
        {data.showArchived ? <Link to="/tenants">{t('tenants.hideArchived')}</Link> : <Link to="/tenants?archived=1">{t('tenants.showArchived')}</Link>}
      </p>
      {data.tenants.length === 0 ? (
        <p className="muted">{t('tenants.empty')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('tenants.caption')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('tenants.caption')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('tenants.name')}</th>
                <th scope="col">{t('tenants.namespace')}</th>
                <th scope="col">{t('tenants.costCentre')}</th>
                <th scope="col">{t('tenants.gpus')}</th>
                <th scope="col">{t('tenants.tokens')}</th>
                <th scope="col">{t('tenants.status')}</th>
              </tr>
            </thead>
            <tbody>
              {data.tenants.map((row) => (
                <tr key={row.slug}>
                  <td>
                    <Link to={`/tenants/${row.slug}`}>{row.name}</Link>
                  </td>
                  <td>
                    <code>{row.namespace}</code>
                  </td>
                  <td>{row.costCentre ?? '—'}</td>
                  <td>{row.gpus ? <UsageMeter used={row.gpus.used} limit={row.gpus.quota} /> : '—'}</td>
                  <td>
                    {row.tokens
                      ? row.tokens.used === null
                        ? t('tenants.tokensUnknown', { budget: row.tokens.budget === null ? '—' : f.number(row.tokens.budget) })
                        : <UsageMeter used={row.tokens.used} limit={row.tokens.budget} />
                      : '—'}
                  </td>
                  <td>
                    {row.status === 'active' ? (
                      <span className="badge badge-ok">{t('tenants.status.active')}</span>
                    ) : (
                      <span className="badge">{t('tenants.status.archived')}</span>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <LiteLlmPanel status={data.litellm} canSync={data.canWrite} busy={busy} error={syncError} />
      {data.canWrite ? (
        <section aria-labelledby="new-tenant">
          <h2 id="new-tenant">{t('tenants.new')}</h2>
          {createFailed && Object.keys(fieldErrors).length === 0 ? <FormError message={createFailed.formError} /> : null}
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <input type="hidden" name="intent" value="create" />
            <Field name="slug" label={t('tenants.slug')} hint={t('tenants.slugHint')} required errors={fieldErrors.slug} autoComplete="off" />
            <Field name="name" label={t('tenants.name')} required errors={fieldErrors.name} autoComplete="off" />
            <Field name="costCentre" label={t('tenants.costCentre')} errors={fieldErrors.costCentre} autoComplete="off" />
            <TextAreaField name="contacts" label={t('tenants.contacts')} hint={t('tenants.contactsHint')} errors={fieldErrors.contacts} />
            <button type="submit" disabled={busy}>
              {t('tenants.create')}
            </button>
          </Form>
        </section>
      ) : null}
    </>
  );
}

import { type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction, json, redirect } from '@remix-run/node';
import { Form, Link, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { createColumnHelper } from '@tanstack/react-table';
import { z } from 'zod';
import { Field, FormError } from '~/components/auth/field';
import { CsrfInput } from '~/components/csrf-input';
import { DataTable } from '~/components/data-table';
import { Select, TextArea } from '~/components/guard/fields';
import type { MessageKey } from '~/i18n/messages';
import { useFormat } from '~/i18n/format';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { formAction } from '~/utils/errors.server';
import { parseForm } from '~/utils/form.server';
import { assignPolicy, createPolicy, effectivePolicy, listAssignments, listPolicies, removeAssignment } from '~/utils/guard.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'guard:read', actionPermission: 'guard:write' };

export const meta: MetaFunction = ({ matches }) => pageTitle(matches, { key: 'guard.title' });

export async function loader({ request }: LoaderFunctionArgs) {
  const { principal } = await requirePermission(request, 'guard:read');
  const params = new URL(request.url).searchParams;
  const tenant = (params.get('tenant') ?? '').trim();
  const model = (params.get('model') ?? '').trim();
  const asked = params.has('tenant') || params.has('model');
  const [policies, assignments] = await Promise.all([listPolicies(), listAssignments()]);
  let effective: { match: string; policy: string; version: number | null } | null = null;
  let effectiveError: string | null = null;
  if (asked) {
    try {
      const e = await effectivePolicy({ tenantSlug: tenant, model });
      effective = e ? { match: e.match, policy: e.policy.name, version: e.publishedVersion } : null;
    } catch (error) {
      effectiveError = error instanceof Error ? error.message : String(error);
    }
  }
  return json({
    canWrite: principal.permissions.includes('guard:write'),
    policies: policies.map((p) => ({ ...p, updatedAt: p.updatedAt.toISOString() })),
    assignments,
    lookup: { asked, tenant, model, effective, effectiveError },
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const { actor } = await requirePermission(request, 'guard:write');
  return formAction(async () => {
    const data = await parseForm(
      request,
      z.discriminatedUnion('intent', [
        z.object({ intent: z.literal('create'), name: z.string(), description: z.string().optional() }),
        z.object({ intent: z.literal('assign'), tenantSlug: z.string().optional(), model: z.string().optional(), policyId: z.uuid('Choose a policy.') }),
        z.object({ intent: z.literal('unassign'), tenantSlug: z.string().optional(), model: z.string().optional() }),
      ]),
    );
    if (data.intent === 'create') {
      const policy = await createPolicy({ name: data.name, description: data.description }, actor);
      return redirect(`/guard/${policy.id}`);
    }
    if (data.intent === 'assign') await assignPolicy(data, actor);
    else await removeAssignment(data, actor);
    return json({ ok: true as const });
  });
}

type PolicyRow = ReturnType<typeof useLoaderData<typeof loader>>['policies'][number];
const column = createColumnHelper<PolicyRow>();

export default function GuardPoliciesPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<{ formError?: string; fieldErrors?: Record<string, string[]> }>();
  const navigation = useNavigation();
  const t = useT();
  const f = useFormat();
  const fieldErrors = result?.fieldErrors ?? {};
  const intent = navigation.formData?.get('intent');
  const columns = [
    column.accessor('name', {
      id: 'name',
      header: t('guard.name'),
      cell: (c) => <Link to={`/guard/${c.row.original.id}`}>{c.getValue()}</Link>,
    }),
    column.accessor('description', { id: 'description', header: t('guard.description') }),
    column.accessor('latestVersion', { id: 'latest', header: t('guard.latest'), meta: { className: 'num' } }),
    column.accessor('publishedVersion', {
      id: 'published',
      header: t('guard.published'),
      meta: { className: 'num' },
      cell: (c) => c.getValue() ?? t('guard.none'),
    }),
    column.accessor('updatedAt', { id: 'updated', header: t('guard.updated'), cell: (c) => <time dateTime={c.getValue()}>{f.dateTime(c.getValue())}</time> }),
  ];
  const any = t('guard.any');
  return (
    <>
      <h1>{t('guard.title')}</h1>
      <p>
        <Link to="/guard/playground">{t('guard.playground')}</Link>
      </p>
      {result && Object.keys(fieldErrors).length === 0 ? <FormError message={result.formError} /> : null}
      <DataTable caption={t('guard.caption')} columns={columns} data={data.policies} getRowId={(r) => r.id} emptyMessage={t('guard.empty')} />
      {data.canWrite ? (
        <section aria-labelledby="guard-new">
          <h2 id="guard-new">{t('guard.new')}</h2>
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <input type="hidden" name="intent" value="create" />
            <Field name="name" label={t('guard.name')} hint={t('guard.nameHint')} required errors={intent === 'create' || !intent ? fieldErrors.name : undefined} autoComplete="off" />
            <TextArea name="description" label={t('guard.description')} errors={fieldErrors.description} />
            <button type="submit" disabled={navigation.state === 'submitting'}>
              {t('guard.create')}
            </button>
          </Form>
        </section>
      ) : null}
      <section aria-labelledby="guard-assignments">
        <h2 id="guard-assignments">{t('guard.assignments')}</h2>
        {data.assignments.length === 0 ? (
          <p className="muted">{t('guard.noAssignments')}</p>
        ) : (
          <div className="table-wrap" role="region" aria-label={t('guard.assignmentsCaption')} tabIndex={0}>
            <table>
              <caption className="visually-hidden">{t('guard.assignmentsCaption')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('guard.tenant')}</th>
                  <th scope="col">{t('guard.model')}</th>
                  <th scope="col">{t('guard.policy')}</th>
                  {data.canWrite ? <th scope="col">{t('guard.unassign')}</th> : null}
                </tr>
              </thead>
              <tbody>
                {data.assignments.map((a) => (
                  <tr key={a.id}>
                    <td>{a.tenantSlug || any}</td>
                    <td>{a.model || any}</td>
                    <td>
                      <Link to={`/guard/${a.policyId}`}>{a.policyName}</Link>
                    </td>
                    {data.canWrite ? (
                      <td>
                        <Form method="post">
                          <CsrfInput />
                          <input type="hidden" name="intent" value="unassign" />
                          <input type="hidden" name="tenantSlug" value={a.tenantSlug} />
                          <input type="hidden" name="model" value={a.model} />
                          <button type="submit" className="secondary" aria-label={`${t('guard.unassign')}: ${a.tenantSlug || any} × ${a.model || any}`}>
                            {t('guard.unassign')}
                          </button>
                        </Form>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {data.canWrite && data.policies.length > 0 ? (
          <Form method="post" className="stack" noValidate>
            <CsrfInput />
            <input type="hidden" name="intent" value="assign" />
            <p className="hint">{t('guard.assignHint')}</p>
            <Field name="tenantSlug" idPrefix="assign-" label={t('guard.tenant')} errors={fieldErrors.tenantSlug} autoComplete="off" />
            <Field name="model" idPrefix="assign-" label={t('guard.model')} errors={fieldErrors.model} autoComplete="off" />
            <Select
              name="policyId"
              idPrefix="assign-"
              label={t('guard.policy')}
              errors={fieldErrors.policyId}
              options={data.policies.map((p) => ({ value: p.id, label: p.name }))}
            />
            <button type="submit">{t('guard.assign')}</button>
          </Form>
        ) : null}
      </section>
      <section aria-labelledby="guard-effective">
        <h2 id="guard-effective">{t('guard.effective')}</h2>
        <Form method="get" className="stack">
          <Field name="tenant" idPrefix="effective-" label={t('guard.tenant')} defaultValue={data.lookup.tenant} autoComplete="off" />
          <Field name="model" idPrefix="effective-" label={t('guard.model')} defaultValue={data.lookup.model} autoComplete="off" />
          <button type="submit">{t('guard.effectiveShow')}</button>
        </Form>
        {data.lookup.effectiveError ? (
          <p className="alert alert-error" role="alert">
            {data.lookup.effectiveError}
          </p>
        ) : data.lookup.asked ? (
          <p role="status">
            {data.lookup.effective
              ? t('guard.effectiveResult', {
                  tenant: data.lookup.tenant || any,
                  model: data.lookup.model || any,
                  policy: data.lookup.effective.policy,
                  match: t(`guard.match.${data.lookup.effective.match}` as MessageKey),
                  version: data.lookup.effective.version ?? t('guard.none'),
                })
              : t('guard.effectiveNone')}
          </p>
        ) : null}
      </section>
    </>
  );
}

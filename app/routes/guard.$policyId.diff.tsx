import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { diffVersions, getPolicy } from '~/utils/guard.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'guard:read' };

export const meta: MetaFunction<typeof loader> = ({ matches, data }) => pageTitle(matches, data && { key: 'guard.diffTitle', vars: { from: data.from, to: data.to } }, data?.policy.name, { key: 'guard.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  await requirePermission(request, 'guard:read');
  const search = new URL(request.url).searchParams;
  return loaderWork(async () => {
    const { policy, versions } = await getPolicy(params.policyId ?? '');
    const to = Number(search.get('to') ?? versions[0]?.version);
    const from = Number(search.get('from') ?? versions[1]?.version ?? to);
    const diff = await diffVersions({ policyId: policy.id, from, to });
    return json({
      policy: { id: policy.id, name: policy.name },
      from,
      to,
      changes: diff.changes.map((c) =>
        c.change === 'changed'
          ? { id: c.id, change: c.change, kind: c.kind, fields: c.fields.map((f) => ({ field: f.field, before: JSON.stringify(f.before) ?? '—', after: JSON.stringify(f.after) ?? '—' })) }
          : { id: c.id, change: c.change, kind: c.kind, fields: [{ field: 'check', before: c.change === 'removed' ? JSON.stringify(c.check) : '—', after: c.change === 'added' ? JSON.stringify(c.check) : '—' }] },
      ),
    });
  });
}

const changeClass: Record<string, string> = { added: 'badge badge-ok', removed: 'badge badge-danger', changed: 'badge badge-warn' };

export default function GuardDiffPage() {
  const data = useLoaderData<typeof loader>();
  const t = useT();
  return (
    <>
      <p>
        <Link to={`/guard/${data.policy.id}`}>{t('guard.back', { name: data.policy.name })}</Link>
      </p>
      <h1>
        {data.policy.name} · {t('guard.diffTitle', { from: data.from, to: data.to })}
      </h1>
      {data.changes.length === 0 ? <p>{t('guard.diffNone')}</p> : null}
      {data.changes.map((c) => (
        <section key={c.id} aria-labelledby={`diff-${c.id}`}>
          <h2 id={`diff-${c.id}`}>
            <code>{c.id}</code> ({c.kind}) <span className={changeClass[c.change]}>{t(`guard.diff.${c.change}` as MessageKey)}</span>
          </h2>
          <div className="table-wrap" role="region" aria-label={c.id} tabIndex={0}>
            <table>
              <thead>
                <tr>
                  <th scope="col">{t('guard.field')}</th>
                  <th scope="col">{t('guard.before')}</th>
                  <th scope="col">{t('guard.after')}</th>
                </tr>
              </thead>
              <tbody>
                {c.fields.map((f) => (
                  <tr key={f.field}>
                    <td>
                      <code>{f.field}</code>
                    </td>
                    <td>
                      <del>
                        <code>{f.before}</code>
                      </del>
                    </td>
                    <td>
                      <ins>
                        <code>{f.after}</code>
                      </ins>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </>
  );
}

import { type LoaderFunctionArgs, type MetaFunction, json } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { formatParams } from '~/components/models/format';
import { formatBytes, formatDateTime, formatNumber } from '~/i18n/format';
import { StageBadge } from '~/components/models/stage-badge';
import { useLocale, useT } from '~/i18n/use-t';
import { requirePermission } from '~/utils/auth.server';
import { loaderWork } from '~/utils/errors.server';
import { deploymentJson, getModel, listDeployments, listVersions, versionJson } from '~/utils/models.server';
import { pageTitle } from '~/utils/meta';

export const handle = { permission: 'models:read' };

export const meta: MetaFunction = ({ matches, params }) => pageTitle(matches, params.name, { key: 'models.title' });

export async function loader({ request, params }: LoaderFunctionArgs) {
  const { user } = await requirePermission(request, 'models:read');
  return loaderWork(async () => {
    const model = await getModel(params.name ?? '');
    const [versions, deployments] = await Promise.all([listVersions(model.id), listDeployments({ modelId: model.id })]);
    return json({
      model: { ...model, createdAt: model.createdAt.toISOString(), updatedAt: model.updatedAt.toISOString() },
      versions: versions.map(versionJson),
      deployments: deployments.map(deploymentJson),
      canWrite: Boolean(user?.permissions.includes('models:write')),
    });
  });
}

export default function ModelPage() {
  const { model, versions, deployments, canWrite } = useLoaderData<typeof loader>();
  const t = useT();
  const locale = useLocale();
  const base = `/models/${encodeURIComponent(model.name)}`;
  return (
    <>
      <p>
        <Link to="/models">{t('models.backToList')}</Link>
      </p>
      <h1>{model.name}</h1>
      {model.description ? <p>{model.description}</p> : null}
      <dl className="facts">
        <dt>{t('models.family')}</dt>
        <dd>{model.family}</dd>
        <dt>{t('models.owner')}</dt>
        <dd>{model.owner}</dd>
        <dt>{t('models.license')}</dt>
        <dd>{model.license}</dd>
        <dt>{t('models.tags')}</dt>
        <dd>{model.tags.join(', ') || '—'}</dd>
        <dt>{t('models.registeredBy')}</dt>
        <dd>
          {model.createdBy}, {formatDateTime(model.createdAt, locale)}
        </dd>
      </dl>
      {canWrite ? (
        <p className="toolbar">
          <Link to={`${base}/versions/new`} className="button">
            {t('models.version.new')}
          </Link>
          <Link to={`${base}/deploy`} className="button secondary">
            {t('models.deploy')}
          </Link>
        </p>
      ) : null}
      <h2>{t('models.versions')}</h2>
      {versions.length === 0 ? (
        <p className="muted">{t('models.version.none')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('models.versions')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('models.versions')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('models.version.label')}</th>
                <th scope="col">{t('models.version.stage')}</th>
                <th scope="col">{t('models.version.format')}</th>
                <th scope="col">{t('models.version.quantization')}</th>
                <th scope="col" className="num">{t('models.version.parameters')}</th>
                <th scope="col" className="num">{t('models.version.context')}</th>
                <th scope="col" className="num">{t('models.version.size')}</th>
                <th scope="col">{t('models.version.registered')}</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v) => (
                <tr key={v.id}>
                  <td>
                    <Link to={`${base}/versions/${encodeURIComponent(v.label)}`}>{v.label}</Link>
                  </td>
                  <td>
                    <StageBadge stage={v.stage} />
                  </td>
                  <td>{v.format}</td>
                  <td>{v.quantization}</td>
                  <td className="num">{formatParams(v.parameterCount, locale)}</td>
                  <td className="num">{formatNumber(v.contextLength, locale)}</td>
                  <td className="num">{formatBytes(v.sizeBytes, locale)}</td>
                  <td className="nowrap">{formatDateTime(v.createdAt, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>{t('models.deployments')}</h2>
      {deployments.length === 0 ? (
        <p className="muted">{t('models.deployment.none')}</p>
      ) : (
        <div className="table-wrap" role="region" aria-label={t('models.deployments')} tabIndex={0}>
          <table>
            <caption className="visually-hidden">{t('models.deployments')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('models.deployment.name')}</th>
                <th scope="col">{t('models.deployment.namespace')}</th>
                <th scope="col">{t('models.deployment.engine')}</th>
                <th scope="col">{t('models.deployment.stable')}</th>
                <th scope="col">{t('models.deployment.canary')}</th>
                <th scope="col" className="num">{t('models.deployment.replicas')}</th>
              </tr>
            </thead>
            <tbody>
              {deployments.map((d) => (
                <tr key={d.id}>
                  <td>
                    <Link to={`/models/deployments/${d.id}`}>{d.name}</Link>
                  </td>
                  <td>{d.namespace}</td>
                  <td>{d.engine}</td>
                  <td>{d.stableLabel}</td>
                  <td>{d.canaryLabel ? `${d.canaryLabel} (${d.canaryWeight} %)` : '—'}</td>
                  <td className="num">
                    {d.replicas} × {d.gpusPerReplica} GPU
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

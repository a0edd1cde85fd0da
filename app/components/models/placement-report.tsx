import { useMessage } from '~/components/auth/field';
import { useFormat } from '~/i18n/format';
import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';

export interface PlacementReportData {
  estimate: {
    requiredGiB: number;
    totalGiB: number;
    perGpuGiB: number | null;
    parts: Array<{ part: string; gib: number; explanation: string }>;
  };
  fits: boolean;
  checked: boolean;
  reasons: string[];
  notes: string[];
  alternatives: Array<{ description: string; nodes: string[] }>;
}

/** The GPU memory estimate with its parts, and whether (and where) the replicas fit. */
export function PlacementReport({ data }: { data: PlacementReportData }) {
  const t = useT();
  const f = useFormat();
  // Reasons, notes, descriptions and explanations are message keys (the models context's or the planner's).
  const message = useMessage();
  return (
    <section className="card" aria-labelledby="placement-heading">
      <h2 id="placement-heading">{t('models.placement.title')}</h2>
      <div className="table-wrap" role="region" aria-label={t('models.placement.estimate')} tabIndex={0}>
        <table>
          <caption>{t('models.placement.estimate')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('models.placement.part')}</th>
              <th scope="col" className="num">GiB</th>
              <th scope="col">{t('models.placement.how')}</th>
            </tr>
          </thead>
          <tbody>
            {data.estimate.parts.map((p) => (
              <tr key={p.part}>
                <td>{t(`models.placement.part.${p.part}` as MessageKey)}</td>
                <td className="num">{f.number(p.gib, { max: 1 })}</td>
                <td>{message(p.explanation)}</td>
              </tr>
            ))}
            <tr>
              <th scope="row">{t('models.placement.required')}</th>
              <td className="num">
                <strong>{f.number(data.estimate.requiredGiB, { max: 1 })}</strong>
              </td>
              <td>{data.estimate.perGpuGiB !== null ? t('models.placement.perGpu', { gib: f.number(data.estimate.perGpuGiB, { max: 1 }) }) : ''}</td>
            </tr>
          </tbody>
        </table>
      </div>
      {data.fits ? (
        <div className="alert alert-ok" role="status">
          <p>{t('models.placement.fits')}</p>
          <ul>
            {data.notes.map((n) => (
              <li key={n}>{message(n)}</li>
            ))}
          </ul>
        </div>
      ) : (
        <div className="alert alert-warn" role="status">
          <p>{t('models.placement.doesNotFit')}</p>
          <ul>
            {data.reasons.map((r) => (
              <li key={r}>{message(r)}</li>
            ))}
          </ul>
          {data.alternatives.length > 0 ? (
            <>
              <p>{t('models.placement.alternatives')}</p>
              <ul>
                {data.alternatives.map((a) => (
                  <li key={a.description}>
                    {message(a.description)}: {a.nodes.join(', ')}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </div>
      )}
    </section>
  );
}

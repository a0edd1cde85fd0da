import { useMessage } from '~/components/auth/field';
import { useT } from '~/i18n/use-t';

export interface PlacementResultData {
  fits: boolean;
  assignments?: Array<{ replica: number; node: string; gpus: number; resource: string }>;
  notes?: string[];
  reasons?: string[];
  alternatives?: Array<{ description: string; assignments: Array<{ replica: number; node: string; gpus: number }> }>;
}

/** The planner's answer: where each replica goes, or why not and where it would fit instead. */
export function PlacementResultView({ result }: { result: PlacementResultData }) {
  const t = useT();
  const message = useMessage();
  return (
    <section aria-labelledby="plan-result" aria-live="polite">
      <h2 id="plan-result">{result.fits ? t('gpu.planner.fits') : t('gpu.planner.doesNotFit')}</h2>
      {result.fits ? (
        <>
          <ul>
            {(result.notes ?? []).map((n) => (
              <li key={n}>{message(n)}</li>
            ))}
          </ul>
          <table>
            <caption className="visually-hidden">{t('gpu.planner.assignments')}</caption>
            <thead>
              <tr>
                <th scope="col" className="num">{t('gpu.planner.replica')}</th>
                <th scope="col">{t('gpus.node')}</th>
                <th scope="col" className="num">{t('gpu.planner.devices')}</th>
                <th scope="col">{t('gpu.planner.resource')}</th>
              </tr>
            </thead>
            <tbody>
              {(result.assignments ?? []).map((a) => (
                <tr key={a.replica}>
                  <td className="num">{a.replica + 1}</td>
                  <td>{a.node}</td>
                  <td className="num">{a.gpus}</td>
                  <td><code>{a.resource}</code></td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : (
        <>
          <ul className="alert alert-error" role="alert">
            {(result.reasons ?? []).map((r) => (
              <li key={r}>{message(r)}</li>
            ))}
          </ul>
          <h3>{t('gpu.planner.alternatives')}</h3>
          {(result.alternatives ?? []).length === 0 ? (
            <p className="muted">{t('gpu.planner.noAlternatives')}</p>
          ) : (
            <ul>
              {(result.alternatives ?? []).map((a) => (
                <li key={a.description}>
                  {message(a.description)}: {a.assignments.map((x) => `${x.node} (${x.gpus})`).join(', ')}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}

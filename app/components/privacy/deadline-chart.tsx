import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';

/**
 * Open requests per days-left range as horizontal bars (an SVG-free chart: plain elements
 * with the numbers printed, so it reads the same to a screen reader and on paper).
 */
export function DeadlineChart({ buckets }: { buckets: { key: string; count: number }[] }) {
  const t = useT();
  const max = Math.max(1, ...buckets.map((b) => b.count));
  return (
    <figure className="chart privacy-chart" aria-label={t('privacy.dashboard.chartLabel')}>
      <figcaption>{t('privacy.dashboard.title')}</figcaption>
      <dl className="privacy-bars">
        {buckets.map((b) => (
          <div key={b.key} className={`privacy-bar-row privacy-bucket-${b.key}`}>
            <dt>{t(`privacy.bucket.${b.key}` as MessageKey)}</dt>
            <dd>
              <span className="privacy-bar" style={{ width: `${(b.count / max) * 100}%` }} aria-hidden="true" />
              <span className="privacy-bar-value">{b.count}</span>
            </dd>
          </div>
        ))}
      </dl>
    </figure>
  );
}

import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';

const stateClass: Record<string, string> = {
  completed: 'badge-ok',
  partially_refused: 'badge-warn',
  rejected: 'badge',
  failed: 'badge-danger',
  executing: 'badge-warn',
  verifying: 'badge-warn',
};

/** The state of an erasure request as a badge. */
export function RequestStateBadge({ state }: { state: string }) {
  const t = useT();
  return <span className={`badge ${stateClass[state] ?? ''}`}>{t(`privacy.state.${state}` as MessageKey)}</span>;
}

/** Days left until a deadline; overdue in red, a week or less in amber. */
export function DaysLeft({ days }: { days: number | null }) {
  const t = useT();
  if (days === null) return <span className="muted">—</span>;
  if (days < 0) return <span className="badge badge-danger">{t('privacy.daysOverdue', { n: -days })}</span>;
  if (days === 0) return <span className="badge badge-danger">{t('privacy.dueToday')}</span>;
  return <span className={`badge ${days <= 7 ? 'badge-warn' : ''}`}>{t('privacy.daysLeft', { n: days })}</span>;
}

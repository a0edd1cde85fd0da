import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';

const tone: Record<string, string> = {
  draft: 'badge',
  staging: 'badge badge-warn',
  production: 'badge badge-ok',
  deprecated: 'badge badge-warn',
  retired: 'badge badge-danger',
};

/** A version's stage as a badge (with an optional label, e.g. the production version's). */
export function StageBadge({ stage, label }: { stage: string; label?: string }) {
  const t = useT();
  const text = t(`models.stage.${stage}` as MessageKey);
  return <span className={tone[stage] ?? 'badge'}>{label ? `${label} · ${text}` : text}</span>;
}

import { NavLink } from '@remix-run/react';
import { useT } from '~/i18n/use-t';

/** The privacy area's sections. */
export function PrivacyNav() {
  const t = useT();
  const links = [
    { to: '/privacy', label: t('privacy.title'), end: true },
    { to: '/privacy/requests', label: t('privacy.section.requests'), end: false },
    { to: '/privacy/stores', label: t('privacy.section.stores'), end: false },
    { to: '/privacy/holds', label: t('privacy.section.holds'), end: false },
    { to: '/privacy/retention', label: t('privacy.section.retention'), end: false },
    { to: '/privacy/datasets', label: t('privacy.section.datasets'), end: false },
  ];
  return (
    <nav aria-label={t('privacy.title')} className="privacy-nav no-print">
      <ul>
        {links.map((l) => (
          <li key={l.to}>
            <NavLink to={l.to} end={l.end}>
              {l.label}
            </NavLink>
          </li>
        ))}
      </ul>
    </nav>
  );
}

import type { MessageKey } from '~/i18n/messages';
import { useT } from '~/i18n/use-t';
import { FieldErrors } from './field';

/** The five roles as checkboxes, each with what it may do, errors tied to the group. */
export function RolesFieldset({
  roles,
  selected,
  errors,
  idPrefix = '',
}: {
  roles: readonly string[];
  selected: readonly string[];
  errors: string[] | undefined;
  idPrefix?: string;
}) {
  const t = useT();
  const errorId = errors?.length ? `${idPrefix}roles-error` : undefined;
  return (
    <fieldset aria-describedby={errorId} aria-invalid={errorId ? true : undefined}>
      <legend>{t('auth.field.roles')}</legend>
      {roles.map((role) => (
        <div key={role}>
          <label className="checkbox">
            <input type="checkbox" name="roles" value={role} defaultChecked={selected.includes(role)} />
            <span>
              <strong>{t(`auth.role.${role}` as MessageKey)}</strong>
              {' — '}
              <span className="muted">{t(`auth.role.${role}.description` as MessageKey)}</span>
            </span>
          </label>
        </div>
      ))}
      <FieldErrors id={errorId} errors={errors} />
    </fieldset>
  );
}

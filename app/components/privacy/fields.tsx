import { FieldErrors } from '~/components/auth/field';

interface BaseProps {
  name: string;
  label: string;
  hint?: string | undefined;
  errors?: string[] | undefined;
  required?: boolean;
  defaultValue?: string | undefined;
  idPrefix?: string;
}

function ids(name: string, idPrefix: string, hint?: string, errors?: string[]) {
  const id = `${idPrefix}${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  return { id, hintId, errorId, describedBy: [hintId, errorId].filter(Boolean).join(' ') || undefined };
}

/** A labelled textarea with hint and errors tied to it. */
export function TextAreaField({ name, label, hint, errors, required, defaultValue, idPrefix = '', rows = 6 }: BaseProps & { rows?: number }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <textarea id={id} name={name} rows={rows} required={required} defaultValue={defaultValue} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} spellCheck={false} />
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

/** A labelled select with hint and errors tied to it. */
export function SelectField({ name, label, hint, errors, required, defaultValue, idPrefix = '', options, emptyLabel }: BaseProps & { options: { value: string; label: string }[]; emptyLabel?: string }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <select id={id} name={name} required={required} defaultValue={defaultValue} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy}>
        {emptyLabel !== undefined ? <option value="">{emptyLabel}</option> : null}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

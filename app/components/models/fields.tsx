import { FieldErrors } from '~/components/auth/field';

interface Common {
  name: string;
  label: string;
  hint?: string;
  errors?: string[] | undefined;
  idPrefix?: string;
}

function ids(name: string, idPrefix: string, hint: string | undefined, errors: string[] | undefined) {
  const id = `${idPrefix}${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  return { id, hintId, errorId, describedBy: [hintId, errorId].filter(Boolean).join(' ') || undefined };
}

/** A labelled textarea with hint and errors tied to it. */
export function TextArea({ name, label, hint, errors, idPrefix = '', defaultValue, rows = 4, required }: Common & { defaultValue?: string; rows?: number; required?: boolean }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <textarea id={id} name={name} rows={rows} defaultValue={defaultValue} required={required} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} />
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

/** A labelled select with hint and errors tied to it. */
export function Select({
  name,
  label,
  hint,
  errors,
  idPrefix = '',
  options,
  defaultValue,
  emptyLabel,
}: Common & { options: Array<{ value: string; label: string }>; defaultValue?: string; emptyLabel?: string }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <select id={id} name={name} defaultValue={defaultValue} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy}>
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

import { FieldErrors } from '~/components/auth/field';
import { useFormat } from '~/i18n/format';

interface Base {
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
export function TextAreaField({ name, label, hint, errors, idPrefix = '', defaultValue, rows = 3 }: Base & { defaultValue?: string; rows?: number }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? <span id={hintId} className="hint">{hint}</span> : null}
      <textarea id={id} name={name} rows={rows} defaultValue={defaultValue} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy} />
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

/** A labelled select with hint and errors tied to it. */
export function SelectField({
  name,
  label,
  hint,
  errors,
  idPrefix = '',
  options,
  defaultValue,
  required,
}: Base & { options: Array<{ value: string; label: string }>; defaultValue?: string; required?: boolean }) {
  const { id, hintId, errorId, describedBy } = ids(name, idPrefix, hint, errors);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? <span id={hintId} className="hint">{hint}</span> : null}
      <select id={id} name={name} defaultValue={defaultValue} required={required} aria-invalid={errorId ? true : undefined} aria-describedby={describedBy}>
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

/**
 * "used / limit" with a meter; no limit shows "used / —". Numbers in the reader's language;
 * with `resource` (a quota resource name) memory reads as "64 GiB" rather than bytes.
 */
export function UsageMeter({ used, limit, resource }: { used: number; limit: number | null; resource?: string }) {
  const f = useFormat();
  const show = (n: number) => (resource ? f.quantity(resource, n) : f.number(n));
  const share = limit && limit > 0 ? Math.min(100, (used / limit) * 100) : 0;
  return (
    <span className="nowrap">
      {limit !== null ? (
        <span className="meter" aria-hidden="true">
          <span style={{ width: `${share}%` }} />
        </span>
      ) : null}
      {show(used)} / {limit === null ? '—' : show(limit)}
    </span>
  );
}

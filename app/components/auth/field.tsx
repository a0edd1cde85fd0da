import { translateServerMessage, useLocale } from '~/i18n/use-t';

/** Error texts from the server are message keys, optionally with variables (or, rarely, plain text): shown translated. */
export function useMessage() {
  const locale = useLocale();
  return (message: string, vars?: Record<string, string | number>) => translateServerMessage(locale, message, vars);
}

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  hint?: string;
  errors?: string[] | undefined;
  autoComplete?: string;
  defaultValue?: string;
  required?: boolean;
  autoFocus?: boolean;
  /** Prefix for ids, when one page has two forms with the same field name. */
  idPrefix?: string;
}

/** A labelled input with its hint and errors tied to it (aria-describedby, aria-invalid). */
export function Field({ name, label, type = 'text', hint, errors, autoComplete, defaultValue, required, autoFocus, idPrefix = '' }: FieldProps) {
  const id = `${idPrefix}${name}`;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors?.length ? `${id}-error` : undefined;
  const describedBy = [hintId, errorId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        defaultValue={defaultValue}
        required={required}
        autoFocus={autoFocus}
        aria-invalid={errorId ? true : undefined}
        aria-describedby={describedBy}
      />
      <FieldErrors id={errorId} errors={errors} />
    </div>
  );
}

/** The errors of one field (or group), translated, with the id aria-describedby points at. */
export function FieldErrors({ id, errors }: { id: string | undefined; errors: string[] | undefined }) {
  const message = useMessage();
  if (!id || !errors?.length) return null;
  return (
    <p id={id} className="field-error">
      {errors.map((e) => message(e)).join(' ')}
    </p>
  );
}

/** The form-level error, announced to screen readers. */
export function FormError({ message: text, vars }: { message: string | null | undefined; vars?: Record<string, string | number> }) {
  const message = useMessage();
  if (!text) return null;
  return (
    <div className="alert alert-error" role="alert">
      {message(text, vars)}
    </div>
  );
}

/** A success notice, announced politely. */
export function Notice({ children }: { children: React.ReactNode }) {
  return (
    <div className="alert alert-ok" role="status">
      {children}
    </div>
  );
}

export interface ActionData {
  ok?: boolean;
  formError?: string;
  fieldErrors?: Record<string, string[]>;
}

import { useEffect, useId, useState } from 'react';

/**
 * Labelled form fields for the experiment editor. Number fields keep their own text while it is
 * being typed and commit on Enter or blur; a value the config refuses snaps back, and the store
 * shows why (configProblems).
 */
interface NumberFieldProps {
  label: string;
  value: number | null;
  /** Returns false when the value was refused. */
  onCommit: (value: number | null) => boolean;
  integer?: boolean;
  /** Empty text means null (e.g. "no limit"). */
  nullable?: boolean;
  placeholder?: string;
  unit?: string;
  testId?: string;
}

export function NumberField({
  label,
  value,
  onCommit,
  integer = false,
  nullable = false,
  placeholder,
  unit,
  testId,
}: NumberFieldProps) {
  const id = useId();
  const shown = value === null ? '' : String(value);
  const [text, setText] = useState(shown);
  useEffect(() => setText(shown), [shown]);
  const commit = (): void => {
    const t = text.trim();
    if (t === shown) return;
    if (t === '' && nullable) {
      if (!onCommit(null)) setText(shown);
      return;
    }
    const n = Number(t);
    if (t === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)) || !onCommit(n)) setText(shown);
  };
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}
        {unit ? <span className="unit"> ({unit})</span> : null}
      </label>
      <input
        id={id}
        data-testid={testId}
        inputMode={integer ? 'numeric' : 'decimal'}
        value={text}
        placeholder={placeholder}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
    </div>
  );
}

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  testId?: string;
  disabled?: boolean;
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  disabled,
}: SelectFieldProps<T>) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        disabled={disabled}
        onChange={(e) => {
          const chosen = options.find((o) => o.value === e.target.value);
          if (chosen) onChange(chosen.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onCommit: (value: string) => boolean;
  hint?: string;
  testId?: string;
}

/** A free-text field committed on Enter or blur (e.g. hidden layer sizes "800" or "128, 64"). */
export function TextField({ label, value, onCommit, hint, testId }: TextFieldProps) {
  const id = useId();
  const hintId = useId();
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = (): void => {
    if (text !== value && !onCommit(text)) setText(value);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        data-testid={testId}
        value={text}
        aria-describedby={hint ? hintId : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {hint ? (
        <span id={hintId} className="hint">
          {hint}
        </span>
      ) : null}
    </div>
  );
}

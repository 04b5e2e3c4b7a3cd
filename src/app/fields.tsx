import { useEffect, useId, useState } from 'react';
import type { ConfigProblem } from '../core/experiment.ts';
import type { Option } from '../core/options.ts';
import { useFieldProblem, type FieldPath } from './experiment/fieldProblems.ts';
import { useFixed } from './useClassroom.ts';

/**
 * Labelled form fields for the experiment editor. Number fields keep their own text while it is
 * being typed and commit on Enter or blur; a value the config refuses snaps back, and the store
 * shows why (configProblems). A field given the `configPath` it edits is marked invalid, with
 * the problem's message, while the last refused edit has a problem there. A field whose setting
 * a classroom link fixes is shown disabled, marked "fixed".
 */

/** The label's mark of a setting a classroom link fixes. */
function FixedMark({ fixed }: { fixed: boolean }) {
  return fixed ? <span className="fixed-mark"> (fixed by this classroom link)</span> : null;
}

/** The message of the field's problem, which the control names as its error message. */
function FieldError({ problem, id }: { problem: ConfigProblem | undefined; id: string }) {
  return problem ? (
    <span id={id} className="field-error" data-testid="field-error">
      {problem.message}
    </span>
  ) : null;
}

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
  configPath?: FieldPath;
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
  configPath,
}: NumberFieldProps) {
  const id = useId();
  const errorId = useId();
  const problem = useFieldProblem(configPath);
  const fixed = useFixed(configPath);
  const shown = value === null ? '' : String(value);
  const [text, setText] = useState(shown);
  // Text that is not a number at all never reaches the config: the field says so itself.
  const [unreadable, setUnreadable] = useState<string | null>(null);
  useEffect(() => setText(shown), [shown]);
  const commit = (): void => {
    const t = text.trim();
    if (t === shown) return;
    if (t === '' && nullable) {
      setUnreadable(null);
      if (!onCommit(null)) setText(shown);
      return;
    }
    const n = Number(t);
    const why =
      t === ''
        ? `${label} needs a value; kept ${shown}`
        : !Number.isFinite(n)
          ? `'${t.length > 20 ? `${t.slice(0, 20)}…` : t}' is not a number; kept ${shown || 'the old value'}`
          : integer && !Number.isInteger(n)
            ? `${label} takes a whole number, not ${t}; kept ${shown}`
            : null;
    setUnreadable(why);
    if (why !== null || !onCommit(n)) setText(shown);
  };
  return (
    <div className="field" data-fixed={fixed || undefined}>
      <label htmlFor={id}>
        {label}
        {unit ? <span className="unit"> ({unit})</span> : null}
        <FixedMark fixed={fixed} />
      </label>
      <input
        id={id}
        data-testid={testId}
        disabled={fixed}
        inputMode={integer ? 'numeric' : 'decimal'}
        value={text}
        placeholder={placeholder}
        aria-invalid={problem || unreadable ? true : undefined}
        aria-errormessage={problem || unreadable ? errorId : undefined}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
        }}
      />
      {unreadable ? (
        <span id={errorId} className="field-error" data-testid="field-error" role="alert">
          {unreadable}
        </span>
      ) : (
        <FieldError problem={problem} id={errorId} />
      )}
    </div>
  );
}

/** A choice of a select: a config option (with help, shown as its tooltip) or a plain one. */
type SelectOption<T extends string> = Option<T> | { value: T; label: string; help?: undefined };

interface SelectFieldProps<T extends string> {
  label: string;
  value: T;
  options: readonly SelectOption<T>[];
  onChange: (value: T) => void;
  testId?: string;
  disabled?: boolean;
  configPath?: FieldPath;
}

export function SelectField<T extends string>({
  label,
  value,
  options,
  onChange,
  testId,
  disabled,
  configPath,
}: SelectFieldProps<T>) {
  const id = useId();
  const errorId = useId();
  const problem = useFieldProblem(configPath);
  const fixed = useFixed(configPath);
  const selected = options.find((o) => o.value === value);
  return (
    <div className="field" data-fixed={fixed || undefined}>
      <label htmlFor={id}>
        {label}
        <FixedMark fixed={fixed} />
      </label>
      <select
        id={id}
        data-testid={testId}
        value={value}
        disabled={disabled || fixed}
        title={selected?.help}
        aria-invalid={problem ? true : undefined}
        aria-errormessage={problem ? errorId : undefined}
        onChange={(e) => {
          const chosen = options.find((o) => o.value === e.target.value);
          if (chosen) onChange(chosen.value);
        }}
      >
        {options.map((o) => (
          <option key={o.value} value={o.value} title={o.help}>
            {o.label}
          </option>
        ))}
      </select>
      <FieldError problem={problem} id={errorId} />
    </div>
  );
}

interface TextFieldProps {
  label: string;
  value: string;
  onCommit: (value: string) => boolean;
  hint?: string;
  testId?: string;
  configPath?: FieldPath;
}

/** A free-text field committed on Enter or blur (e.g. hidden layer sizes "800" or "128, 64"). */
export function TextField({ label, value, onCommit, hint, testId, configPath }: TextFieldProps) {
  const id = useId();
  const hintId = useId();
  const errorId = useId();
  const problem = useFieldProblem(configPath);
  const fixed = useFixed(configPath);
  const [text, setText] = useState(value);
  useEffect(() => setText(value), [value]);
  const commit = (): void => {
    if (text !== value && !onCommit(text)) setText(value);
  };
  return (
    <div className="field" data-fixed={fixed || undefined}>
      <label htmlFor={id}>
        {label}
        <FixedMark fixed={fixed} />
      </label>
      <input
        id={id}
        data-testid={testId}
        disabled={fixed}
        value={text}
        aria-describedby={hint ? hintId : undefined}
        aria-invalid={problem ? true : undefined}
        aria-errormessage={problem ? errorId : undefined}
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
      <FieldError problem={problem} id={errorId} />
    </div>
  );
}

import { useRef, useState } from 'react';
import { appStore } from '../store/index.ts';
import { linkFragment } from './addressBar.ts';
import { CLASSROOM_ITEMS, FIXABLE_SETTINGS, withClassroom, type ClassroomSettings } from './classroom.ts';
import { VIEW_ITEMS } from './Views.tsx';

/** One group of checkboxes: each item's id is added to or removed from `chosen`. */
function Choices({
  legend,
  items,
  chosen,
  onToggle,
  prefix,
}: {
  legend: string;
  items: readonly { id: string; label: string }[];
  chosen: readonly string[];
  onToggle: (id: string) => void;
  prefix: string;
}) {
  return (
    <fieldset className="classroom-choices">
      <legend>{legend}</legend>
      {items.map((item) => (
        <label key={item.id}>
          <input
            type="checkbox"
            checked={chosen.includes(item.id)}
            data-testid={`${prefix}-${item.id}`}
            onChange={() => onToggle(item.id)}
          />{' '}
          {item.label}
        </label>
      ))}
    </fieldset>
  );
}

/**
 * "Make a classroom link": the teacher ticks what to hide and which settings to fix, and copies
 * the resulting link (the current experiment, with those flags in front).
 */
export function ClassroomDialog() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [chosen, setChosen] = useState<ClassroomSettings>({ hide: [], fix: [] });
  const [copied, setCopied] = useState(false);
  // The checkboxes exist only while the dialog is open: their labels ("Epochs", "Speed (steps/s)")
  // must not compete with the page's own controls for those names.
  const [open, setOpen] = useState(false);
  const toggle = (key: keyof ClassroomSettings) => (id: string) =>
    setChosen((c) => ({
      ...c,
      [key]: c[key].includes(id) ? c[key].filter((x) => x !== id) : [...c[key], id],
    }));
  const { experiment, engineChoice } = appStore.getState();
  const link = `${location.origin}${location.pathname}${withClassroom(linkFragment(experiment, engineChoice), chosen)}`;
  return (
    <>
      <button
        type="button"
        data-testid="make-classroom-link"
        onClick={() => {
          setChosen(appStore.getState().classroom);
          setCopied(false);
          setOpen(true);
          dialog.current?.showModal();
        }}
      >
        Make a classroom link
      </button>
      <dialog
        ref={dialog}
        className="classroom-dialog"
        aria-labelledby="classroom-title"
        data-testid="classroom-dialog"
        onClose={() => setOpen(false)}
      >
        {open && (
          <>
            <h2 id="classroom-title">Make a classroom link</h2>
            <p className="muted">
              The link opens this experiment with the chosen parts hidden and the chosen settings shown but
              not editable. Students can always press “Show the full playground”.
            </p>
            <Choices
              legend="Hide"
              items={[...CLASSROOM_ITEMS, ...VIEW_ITEMS]}
              chosen={chosen.hide}
              onToggle={toggle('hide')}
              prefix="hide"
            />
            <Choices
              legend="Fix (shown, not editable)"
              items={FIXABLE_SETTINGS.map((f) => ({ id: f.path, label: f.label }))}
              chosen={chosen.fix}
              onToggle={toggle('fix')}
              prefix="fix"
            />
            <label className="classroom-link">
              Link{' '}
              <input
                readOnly
                value={link}
                data-testid="classroom-link"
                onFocus={(e) => e.currentTarget.select()}
              />
            </label>
            <p>
              <button
                type="button"
                onClick={() => {
                  navigator.clipboard.writeText(link).then(
                    () => setCopied(true),
                    () => setCopied(false),
                  );
                }}
              >
                Copy link
              </button>{' '}
              <button
                type="button"
                data-testid="close-classroom-dialog"
                onClick={() => dialog.current?.close()}
              >
                Close
              </button>{' '}
              {copied && <span role="status">Copied.</span>}
            </p>
          </>
        )}
      </dialog>
    </>
  );
}

import { useId, useState } from 'react';
import { PRESETS, preset } from '../core/presets.ts';
import { appStore, useApp } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';
import { linkFragment } from './addressBar.ts';
import { ExperimentEditor } from './experiment/ExperimentEditor.tsx';
import { ClassroomDialog } from './ClassroomDialog.tsx';
import { useHidden } from './useClassroom.ts';

/** The page's address without fragment or query: where a share link points. */
function pageUrl(): string {
  return `${location.origin}${location.pathname}`;
}

/**
 * The experiment: a preset as a one-click starting point, the settings, and the share link.
 * Choosing a preset starts a new run from it (the previous run stays stored).
 */
export function ExperimentPanel({ client }: { client: TrainingClient | null }) {
  const config = useApp((s) => s.experiment);
  const problems = useApp((s) => s.configProblems);
  const linkMessages = useApp((s) => s.linkMessages);
  const setLinkMessages = useApp((s) => s.setLinkMessages);
  const presetId = useId();
  const [copied, setCopied] = useState<string | null>(null);
  const names = Object.keys(PRESETS);
  const hidePreset = useHidden('preset');
  const hideSettings = useHidden('settings');

  const copyLink = async (): Promise<void> => {
    const { experiment, engineChoice } = appStore.getState();
    const link = `${pageUrl()}${linkFragment(experiment, engineChoice)}`;
    try {
      await navigator.clipboard.writeText(link);
      setCopied('Link copied to the clipboard.');
    } catch {
      // Clipboard access can be refused (permissions, insecure context): show the link to copy by hand.
      setCopied(null);
    }
    const field = document.getElementById('share-link-text') as HTMLInputElement | null;
    if (field) field.value = link;
  };

  return (
    <section className="panel" aria-labelledby="experiment-heading">
      <h2 id="experiment-heading">Experiment</h2>
      {!hidePreset && (
        <div className="preset-row">
          <label htmlFor={presetId}>Preset</label>
          <select
            id={presetId}
            data-testid="preset"
            value={names.includes(config.name) ? config.name : ''}
            disabled={client === null}
            onChange={(e) => {
              const chosen = preset(e.target.value);
              if (!chosen) return;
              const state = appStore.getState();
              state.setExperiment(chosen);
              client?.load(chosen, state.engineChoice);
            }}
          >
            {!names.includes(config.name) && <option value="">{config.name} (edited)</option>}
            {names.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <button type="button" data-testid="copy-link" onClick={() => void copyLink()}>
            Copy link
          </button>
          <ClassroomDialog />
        </div>
      )}
      <p className="task-description" data-testid="task-description">
        {config.description}
      </p>
      {!hidePreset && (
        <div className="share">
          <label htmlFor="share-link-text" className="visually-hidden">
            Share link
          </label>
          <input
            id="share-link-text"
            data-testid="share-link"
            readOnly
            placeholder="Copy link puts the link here too"
          />
          {copied && (
            <span role="status" className="muted">
              {copied}
            </span>
          )}
        </div>
      )}
      {linkMessages.length > 0 && (
        <div role="alert" className="notice" data-testid="link-messages">
          <p>The link was opened, but some of it was ignored:</p>
          <ul>
            {linkMessages.map((m, i) => (
              <li key={i}>{m}</li>
            ))}
          </ul>
          <button type="button" onClick={() => setLinkMessages([])}>
            Dismiss
          </button>
        </div>
      )}
      {problems.length > 0 && (
        <div role="alert" className="error" data-testid="config-problems">
          <p>That change was not applied:</p>
          <ul>
            {problems.map((p, i) => (
              <li key={i}>{p.message}</li>
            ))}
          </ul>
        </div>
      )}
      {!hideSettings && (
        <details className="settings">
          <summary>Settings (apply with New run)</summary>
          <ExperimentEditor />
        </details>
      )}
    </section>
  );
}

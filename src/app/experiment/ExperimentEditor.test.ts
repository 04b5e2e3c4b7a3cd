import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { ConfigError, validateExperiment, type ConfigProblem } from '../../core/experiment.ts';
import { KERNEL_MODES, SURROGATES } from '../../core/options.ts';
import { preset } from '../../core/presets.ts';
import { ExperimentEditorView } from './ExperimentEditor.tsx';
import { EVERY_INDEX, problemsAtField } from './fieldProblems.ts';

/** The editor's HTML for the toy preset with `problems` from the last refused edit. */
function render(problems: readonly ConfigProblem[], name = 'toy'): string {
  return renderToStaticMarkup(
    createElement(ExperimentEditorView, {
      config: preset(name)!,
      problems,
      edit: () => false,
      datasetNames: [],
    }),
  );
}

/** The problems validateExperiment finds after `edit` on a preset. */
function problemsAfter(
  edit: (draft: Record<string, unknown>) => void,
  name = 'toy',
): readonly ConfigProblem[] {
  const draft = structuredClone(preset(name)!) as unknown as Record<string, unknown>;
  edit(draft);
  try {
    validateExperiment(draft);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('the edit was accepted');
}

/** The opening tag of the control labelled `label` (label and control are linked by id). */
function controlOf(html: string, label: string): string {
  const id = new RegExp(`<label for="([^"]+)">${label}`).exec(html)?.[1];
  expect(id, `no field labelled ${label}`).toBeDefined();
  const tag = new RegExp(`<(?:input|select)[^>]*id="${id}"[^>]*>`).exec(html)?.[0];
  expect(tag, `no control for ${label}`).toBeDefined();
  return tag!;
}

describe('field highlighting', () => {
  it('matches a problem to the field at its path, any layer where the field edits every layer', () => {
    const at = (path: (string | number)[]): ConfigProblem => ({ path, code: 'range', message: 'x' });
    const problems = [
      at(['network', 'layers', 1, 'neuron', 'threshold']),
      at(['task', 'encoder', 'step']),
      at(['task']),
    ];
    expect(problemsAtField(problems, ['network', 'layers', EVERY_INDEX, 'neuron', 'threshold'])).toEqual([
      problems[0],
    ]);
    expect(problemsAtField(problems, ['task', 'encoder'])).toEqual([problems[1]]);
    expect(problemsAtField(problems, ['network', 'layers', EVERY_INDEX, 'neuron', 'tauMs'])).toEqual([]);
    expect(problemsAtField(problems, ['seed'])).toEqual([]);
  });

  it('marks the field the validator names, and only that one, with its message', () => {
    const problems = problemsAfter((d) => {
      const layers = (d['network'] as { layers: { neuron: { threshold: number } }[] }).layers;
      layers[0]!.neuron.threshold = -1;
    });
    expect(problems.map((p) => p.path)).toEqual([['network', 'layers', 0, 'neuron', 'threshold']]);
    const html = render(problems);
    expect(controlOf(html, 'Threshold')).toContain('aria-invalid="true"');
    for (const other of ['Time steps', 'Max delay Td', 'Epochs', 'Seed', 'Delay kernel'])
      expect(controlOf(html, other)).not.toContain('aria-invalid');
    // The message is shown with the field (as HTML text: '>' escaped).
    expect(html).toContain(problems[0]!.message.replace(/>/g, '&gt;'));
    expect(html.match(/aria-invalid="true"/g)).toHaveLength(1);
  });

  it('a shorter simulation marks the maximum delay it no longer holds', () => {
    const problems = problemsAfter((d) => ((d['network'] as { timeSteps: number }).timeSteps = 40));
    const html = render(problems);
    expect(controlOf(html, 'Max delay Td')).toContain('aria-invalid="true"');
    // The edited field itself is fine: the problem is where the config no longer fits.
    expect(controlOf(html, 'Time steps')).not.toContain('aria-invalid');
  });

  it('no problems, no marks; selects take labels and tooltips from the options', () => {
    const html = render([]);
    expect(html).not.toContain('aria-invalid');
    expect(html).not.toContain('field-error');
    for (const o of [...KERNEL_MODES, ...SURROGATES]) expect(html).toContain(`>${o.label}</option>`);
    expect(controlOf(html, 'Delay kernel')).toContain(
      `title="${KERNEL_MODES.find((o) => o.value === preset('toy')!.network.layers[0]!.kernel.mode)!.help}"`,
    );
  });
});

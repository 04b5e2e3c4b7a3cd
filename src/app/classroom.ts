import type { FieldPath } from './experiment/fieldProblems.ts';
import { EVERY_INDEX } from './experiment/fieldProblems.ts';

/**
 * Classroom mode: a playground link that hides chosen controls, panels and views and fixes
 * chosen settings (shown, not editable), as TensorFlow Playground's hide flags do, so that a
 * teacher hands out a focused exercise. The flags ride in the link's fragment before its `x=`
 * part (`#hide=a,b&fix=p,q&x=...`), which share-link readers leave to others, so the address
 * keeps them across reloads; "Show the full playground" drops them.
 */
export interface ClassroomSettings {
  /** Ids of hidden items (CLASSROOM_ITEMS, and the views' ids). */
  hide: string[];
  /** Settings shown but not editable, by config path ('training.epochs', 'network.layers.*.kernel.mode'). */
  fix: string[];
}

export const NO_CLASSROOM: ClassroomSettings = { hide: [], fix: [] };

/** What a classroom link can hide besides the live views (whose ids the views list gives). */
export const CLASSROOM_ITEMS: readonly { id: string; label: string }[] = [
  { id: 'preset', label: 'Preset choice and share link' },
  { id: 'settings', label: 'Experiment settings' },
  { id: 'new-run', label: 'New run button' },
  { id: 'speed', label: 'Speed (steps/s)' },
  { id: 'engine-choice', label: 'Engine choice' },
  { id: 'runs', label: 'Stored runs panel' },
  { id: 'datasets', label: 'Data sets panel' },
  { id: 'engine', label: 'Engines panel' },
  { id: 'run-comparison', label: 'Run comparison' },
  { id: 'field-comparison', label: 'Receptive-field comparison' },
];

/** The settings a classroom link can fix, as the experiment editor's fields name them. */
export const FIXABLE_SETTINGS: readonly { path: string; label: string }[] = [
  { path: 'network.layers.*.size', label: 'Hidden layer sizes' },
  { path: 'network.layers.*.rewiring', label: 'Structure' },
  { path: 'network.layers.*.connectivity', label: 'Active fraction' },
  { path: 'network.timeSteps', label: 'Time steps' },
  { path: 'network.layers.*.neuron.model', label: 'Neuron model' },
  { path: 'network.layers.*.neuron.threshold', label: 'Threshold' },
  { path: 'network.layers.*.kernel.mode', label: 'Delay kernel' },
  { path: 'network.layers.*.kernel.maxDelay', label: 'Max delay Td' },
  { path: 'sigma.kind', label: 'σ schedule' },
  { path: 'training.method', label: 'Gradients (BPTT / EventProp)' },
  { path: 'network.layers.*.weightInit', label: 'Weight initialisation' },
  { path: 'optimizer.weights.lr', label: 'Weight learning rate' },
  { path: 'optimizer.delays.lr', label: 'Delay learning rate' },
  { path: 'training.epochs', label: 'Epochs' },
  { path: 'training.batchSize', label: 'Batch size' },
  { path: 'seed', label: 'Seed' },
];

/** A field's config path as classroom links name it ('*' for every layer). */
export function fieldPathName(path: FieldPath): string {
  return path.map((s) => (s === EVERY_INDEX ? '*' : String(s))).join('.');
}

/** Only letters, digits and . * - _ survive in an item: nothing a hand-edited link adds can inject. */
const ITEM = /^[A-Za-z0-9.*_-]{1,80}$/;

/** The classroom flags of a fragment (or URL); empty when it has none. */
export function parseClassroom(text: string): ClassroomSettings {
  const fragment = text.slice(text.indexOf('#') + 1);
  const read = (key: string): string[] => {
    const part = fragment.split('&').find((p) => p.startsWith(`${key}=`));
    if (!part) return [];
    let value = part.slice(key.length + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      // Kept as it is.
    }
    return [...new Set(value.split(',').filter((v) => ITEM.test(v)))];
  };
  return { hide: read('hide'), fix: read('fix') };
}

/** The flags as the fragment's leading parts ('' when there are none), e.g. 'hide=runs,engine&'. */
export function classroomPrefix(settings: ClassroomSettings): string {
  const parts: string[] = [];
  if (settings.hide.length > 0) parts.push(`hide=${settings.hide.join(',')}`);
  if (settings.fix.length > 0) parts.push(`fix=${settings.fix.join(',')}`);
  return parts.map((p) => `${p}&`).join('');
}

/** A share link's fragment ('#x=...') with the classroom flags in front. */
export function withClassroom(linkFragment: string, settings: ClassroomSettings): string {
  return `#${classroomPrefix(settings)}${linkFragment.replace(/^#/, '')}`;
}

export function isClassroom(settings: ClassroomSettings): boolean {
  return settings.hide.length > 0 || settings.fix.length > 0;
}

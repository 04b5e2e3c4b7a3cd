import { useApp } from '../store/index.ts';
import { fieldPathName } from './classroom.ts';
import type { FieldPath } from './experiment/fieldProblems.ts';

/** Whether the page's classroom link hides the item `id` (a panel, a control or a view). */
export function useHidden(id: string): boolean {
  return useApp((s) => s.classroom.hide.includes(id));
}

/** Whether the classroom link fixes the setting the field at `path` edits (shown, not editable). */
export function useFixed(path: FieldPath | undefined): boolean {
  return useApp((s) => path !== undefined && s.classroom.fix.includes(fieldPathName(path)));
}

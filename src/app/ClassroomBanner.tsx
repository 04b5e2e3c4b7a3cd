import { appStore, useApp } from '../store/index.ts';
import { isClassroom, NO_CLASSROOM } from './classroom.ts';

/** Says when the page runs a classroom link, and lets a student go back to the full playground. */
export function ClassroomBanner() {
  const classroom = useApp((s) => s.classroom);
  if (!isClassroom(classroom)) return null;
  return (
    <div className="classroom-banner" role="status" data-testid="classroom-banner">
      <span>
        Classroom link: {classroom.hide.length} part{classroom.hide.length === 1 ? '' : 's'} hidden,{' '}
        {classroom.fix.length} setting{classroom.fix.length === 1 ? '' : 's'} fixed.
      </span>{' '}
      <button
        type="button"
        data-testid="leave-classroom"
        onClick={() => appStore.getState().setClassroom(NO_CLASSROOM)}
      >
        Show the full playground
      </button>
    </div>
  );
}

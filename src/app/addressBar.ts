import { useEffect } from 'react';
import type { ExperimentConfig } from '../core/experiment.ts';
import { encodeShareLink } from '../core/shareLink.ts';
import { appStore } from '../store/index.ts';
import type { EngineChoice } from '../worker/protocol.ts';
import { parseClassroom, withClassroom } from './classroom.ts';

/** Where the page remembers the fragment it wrote last (per tab: sessionStorage). */
const OWN_FRAGMENT_KEY = 'delaylab:address-fragment';

/**
 * Whether the address holds the fragment this tab wrote itself (a reload of the same tab), not a
 * link opened from elsewhere. The address follows the editor, whose edits take effect only on
 * New run, so a reload after an edit must still resume the run that was open.
 */
export function addressIsOwn(): boolean {
  try {
    return location.hash.length > 1 && sessionStorage.getItem(OWN_FRAGMENT_KEY) === location.hash;
  } catch {
    return false;
  }
}

/** The share link's fragment for an experiment and engine choice ('auto', the default, is left out). */
export function linkFragment(config: ExperimentConfig, engine: EngineChoice): string {
  return encodeShareLink(config, undefined, engine === 'auto' ? null : engine);
}

/**
 * Keeps the address bar on the experiment being edited (and the engine chosen), as a share
 * link with the classroom flags in front (app/classroom.ts): copying the address shares it, and a
 * reload opens it (resuming the stored run when it is that run's experiment). Written with history.replaceState, which adds no history entries and
 * fires no hashchange; at most once per animation frame while a field is being typed in.
 */
export function useAddressBarState(): void {
  useEffect(() => {
    let frame = 0;
    // Classroom flags come with the link the page opened (and with any link pasted later).
    const readClassroom = (): void => appStore.getState().setClassroom(parseClassroom(location.hash));
    readClassroom();
    window.addEventListener('hashchange', readClassroom);
    const write = (): void => {
      frame = 0;
      const { experiment, engineChoice, classroom } = appStore.getState();
      const fragment = withClassroom(linkFragment(experiment, engineChoice), classroom);
      if (location.hash === fragment) return;
      history.replaceState(history.state, '', `${location.pathname}${location.search}${fragment}`);
      try {
        sessionStorage.setItem(OWN_FRAGMENT_KEY, location.hash);
      } catch {
        // Storage refused (private mode): a reload then treats the address as a link.
      }
    };
    const unsubscribe = appStore.subscribe((state, previous) => {
      if (
        state.experiment === previous.experiment &&
        state.engineChoice === previous.engineChoice &&
        state.classroom === previous.classroom
      )
        return;
      if (frame === 0) frame = requestAnimationFrame(write);
    });
    return () => {
      window.removeEventListener('hashchange', readClassroom);
      unsubscribe();
      if (frame !== 0) cancelAnimationFrame(frame);
    };
  }, []);
}

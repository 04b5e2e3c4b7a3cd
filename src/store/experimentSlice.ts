import type { StateCreator } from 'zustand/vanilla';
import {
  ConfigError,
  configProblem,
  validateExperiment,
  type ConfigProblem,
  type ExperimentConfig,
} from '../core/experiment.ts';
import { preset } from '../core/presets.ts';
import type { EngineChoice } from '../worker/protocol.ts';
import { NO_CLASSROOM, type ClassroomSettings } from '../app/classroom.ts';
import type { HardwareTarget } from '../core/hardware.ts';
import type { AppState } from './index.ts';

/** The preset the page opens with when no link or stored run says otherwise. */
export const DEFAULT_PRESET = 'toy';

/**
 * The experiment being edited: always a valid, versioned config (the UI edits nothing else).
 * An edit that would make it invalid is refused and its problems are shown instead.
 */
export interface ExperimentSlice {
  experiment: ExperimentConfig;
  engineChoice: EngineChoice;
  /**
   * Problems of the last refused edit (empty when the last edit applied): listed in the panel,
   * and each marks the editor's field at its path.
   */
  configProblems: readonly ConfigProblem[];
  /** What a share link asked for that was ignored (shown once, dismissible). */
  linkMessages: string[];
  setExperiment: (config: ExperimentConfig) => void;
  /** Applies `edit` to a copy of the config; keeps it only if the result validates. */
  editExperiment: (edit: (draft: ExperimentConfig) => void) => boolean;
  setEngineChoice: (choice: EngineChoice) => void;
  setLinkMessages: (messages: string[]) => void;
  /** Classroom mode: what the page's link hides and fixes (app/classroom.ts). */
  classroom: ClassroomSettings;
  setClassroom: (settings: ClassroomSettings) => void;
  /** The chip the network is meant for: the editor warns about delays it cannot hold. */
  hardwareTarget: HardwareTarget;
  setHardwareTarget: (target: HardwareTarget) => void;
}

export const createExperimentSlice: StateCreator<AppState, [], [], ExperimentSlice> = (set, get) => ({
  experiment: preset(DEFAULT_PRESET)!,
  engineChoice: 'auto',
  configProblems: [],
  linkMessages: [],
  setExperiment: (experiment) => set({ experiment, configProblems: [] }),
  editExperiment: (edit) => {
    const draft = structuredClone(get().experiment);
    edit(draft);
    try {
      set({ experiment: validateExperiment(draft), configProblems: [] });
      return true;
    } catch (e) {
      set({
        configProblems: e instanceof ConfigError ? e.problems : [configProblem([], 'unchecked', String(e))],
      });
      return false;
    }
  },
  setEngineChoice: (engineChoice) => set({ engineChoice }),
  setLinkMessages: (linkMessages) => set({ linkMessages }),
  classroom: NO_CLASSROOM,
  setClassroom: (classroom) => set({ classroom }),
  hardwareTarget: 'unbounded',
  setHardwareTarget: (hardwareTarget) => set({ hardwareTarget }),
});

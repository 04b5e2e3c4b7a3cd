import { BUILTIN_MNIST } from '../../core/data/builtinMnist.ts';
import type { ConfigProblem, ExperimentConfig, NeuronConfig } from '../../core/experiment.ts';
import {
  ADAM_VARIANTS,
  ENCODERS,
  EVENTPROP_LOSSES,
  EVENTPROP_SIMULATIONS,
  KERNEL_MODES,
  LAYER_STORAGES,
  NEURON_MODELS,
  optionFor,
  SIGMA_SCHEDULES,
  SURROGATES,
  TASKS,
  TRAINING_METHODS,
  WEIGHT_INITS,
} from '../../core/options.ts';
import { delayRange } from '../../core/synapses/kernels.ts';
import { HARDWARE_TARGETS, hardwareWarnings } from '../../core/hardware.ts';
import { useApp } from '../../store/index.ts';
import { NumberField, SelectField, TextField } from '../fields.tsx';
import {
  defaultEncoder,
  editKernels,
  editNeurons,
  hiddenSizesText,
  parseSizes,
  setHiddenSizes,
  setActiveFraction,
  setEventPropLoss,
  setNeuronModel,
  setStorage,
  setStructure,
  STRUCTURES,
  storageOf,
  structureOf,
  setTrainedParameters,
  setTrainingMethod,
  setWeightInitKind,
  TRAINED_PARAMETERS,
  trainedParameters,
} from './edits.ts';
import { ConfigProblemsContext, EVERY_INDEX, type FieldPath } from './fieldProblems.ts';

/** Sections of the experiment config; every control edits the versioned config in the store. */
export function ExperimentEditor() {
  const config = useApp((s) => s.experiment);
  const problems = useApp((s) => s.configProblems);
  const edit = useApp((s) => s.editExperiment);
  const datasets = useApp((s) => s.datasets.entries);
  return (
    <ExperimentEditorView
      config={config}
      problems={problems}
      edit={edit}
      datasetNames={datasets.map((d) => d.name)}
    />
  );
}

type Edit = (fn: (draft: ExperimentConfig) => void) => boolean;

export interface ExperimentEditorViewProps {
  config: ExperimentConfig;
  /** Problems of the last refused edit: each marks the field at its path. */
  problems: readonly ConfigProblem[];
  edit: Edit;
  datasetNames: string[];
}

/** The editor for given state (the store's, or a test's). */
export function ExperimentEditorView({ config, problems, edit, datasetNames }: ExperimentEditorViewProps) {
  return (
    <ConfigProblemsContext.Provider value={problems}>
      <div className="editor">
        <DataSection config={config} edit={edit} datasetNames={datasetNames} />
        <NetworkSection config={config} edit={edit} />
        <DelaySection config={config} edit={edit} />
        <TrainingSection config={config} edit={edit} />
      </div>
    </ConfigProblemsContext.Provider>
  );
}

/** A field of every layer (the editor sets these on all layers at once). */
function layersField(...rest: string[]): FieldPath {
  return ['network', 'layers', EVERY_INDEX, ...rest];
}

function DataSection({
  config,
  edit,
  datasetNames,
}: {
  config: ExperimentConfig;
  edit: Edit;
  datasetNames: string[];
}) {
  const task = config.task;
  if (task.kind !== 'images' && task.kind !== 'events') {
    return (
      <fieldset>
        <legend>Data</legend>
        <p className="hint" title={optionFor(TASKS, task.kind).help}>
          Generated task '{optionFor(TASKS, task.kind).label}' (from the seed). Pick an MNIST preset to train
          on images.
        </p>
      </fieldset>
    );
  }
  const names = [...new Set([BUILTIN_MNIST.name, ...datasetNames, task.dataset])];
  return (
    <fieldset>
      <legend>Data</legend>
      <SelectField
        label="Data set"
        testId="dataset-select"
        configPath={['task', 'dataset']}
        value={task.dataset}
        options={names.map((n) => ({ value: n, label: n === BUILTIN_MNIST.name ? `${n} (built in)` : n }))}
        onChange={(v) =>
          edit((d) => {
            if (d.task.kind === 'images' || d.task.kind === 'events') d.task.dataset = v;
          })
        }
      />
      {task.kind === 'images' ? (
        <SelectField
          label="Encoder"
          configPath={['task', 'encoder']}
          value={task.encoder.kind}
          options={ENCODERS}
          onChange={(kind) =>
            edit((d) => {
              if (d.task.kind === 'images') d.task.encoder = defaultEncoder(kind, d.network.timeSteps);
            })
          }
        />
      ) : (
        <NumberField
          label="Channels pooled per input"
          configPath={['task', 'pool']}
          integer
          value={task.pool}
          onCommit={(v) =>
            edit((d) => {
              if (d.task.kind === 'events' && v !== null) d.task.pool = v;
            })
          }
        />
      )}
      <NumberField
        label="Training samples"
        integer
        nullable
        placeholder="all"
        testId="train-limit"
        configPath={['task', 'trainLimit']}
        value={task.trainLimit}
        onCommit={(v) =>
          edit((d) => {
            if (d.task.kind === 'images' || d.task.kind === 'events') d.task.trainLimit = v;
          })
        }
      />
      <NumberField
        label="Test samples"
        integer
        nullable
        placeholder="all"
        testId="test-limit"
        configPath={['task', 'testLimit']}
        value={task.testLimit}
        onCommit={(v) =>
          edit((d) => {
            if (d.task.kind === 'images' || d.task.kind === 'events') d.task.testLimit = v;
          })
        }
      />
    </fieldset>
  );
}

function NetworkSection({ config, edit }: { config: ExperimentConfig; edit: Edit }) {
  const neuron = config.network.layers[0]!.neuron;
  return (
    <fieldset>
      <legend>Network</legend>
      <TextField
        label="Hidden layer sizes"
        testId="hidden-sizes"
        configPath={layersField('size')}
        hint="comma separated, e.g. 800 or 128, 64; empty for none"
        value={hiddenSizesText(config)}
        onCommit={(text) => {
          const sizes = parseSizes(text);
          return sizes !== null && edit((d) => setHiddenSizes(d, sizes));
        }}
      />
      <SelectField
        label="Structure"
        testId="structure"
        configPath={layersField('rewiring')}
        value={structureOf(config)}
        options={STRUCTURES}
        onChange={(structure) => edit((d) => setStructure(d, structure))}
      />
      <NumberField
        label="Active fraction"
        testId="active-fraction"
        configPath={layersField('connectivity')}
        value={config.network.layers[0]!.connectivity}
        onCommit={(v) => v !== null && edit((d) => setActiveFraction(d, v))}
      />
      <SelectField
        label="Storage"
        testId="storage"
        configPath={layersField('storage')}
        value={storageOf(config)}
        options={LAYER_STORAGES}
        onChange={(storage) => edit((d) => setStorage(d, storage))}
      />
      <NumberField
        label="Time steps"
        configPath={['network', 'timeSteps']}
        integer
        value={config.network.timeSteps}
        onCommit={(v) => v !== null && edit((d) => void (d.network.timeSteps = v))}
      />
      <NumberField
        label="Step"
        unit="ms"
        configPath={['network', 'dtMs']}
        value={config.network.dtMs}
        onCommit={(v) => v !== null && edit((d) => void (d.network.dtMs = v))}
      />
      <SelectField
        label="Neuron model"
        configPath={layersField('neuron', 'model')}
        value={neuron.model}
        options={NEURON_MODELS}
        onChange={(m) => edit((d) => setNeuronModel(d, m))}
      />
      <NumberField
        label="Threshold"
        configPath={layersField('neuron', 'threshold')}
        value={neuron.threshold}
        onCommit={(v) =>
          v !== null && edit((d) => editNeurons(d, (n: NeuronConfig) => void (n.threshold = v)))
        }
      />
      {neuron.model === 'lif' ? (
        <NumberField
          label="Membrane τ"
          unit="ms"
          configPath={layersField('neuron', 'tauMs')}
          value={neuron.tauMs}
          onCommit={(v) =>
            v !== null &&
            edit((d) =>
              editNeurons(d, (n) => {
                if (n.model === 'lif') n.tauMs = v;
              }),
            )
          }
        />
      ) : (
        <>
          <NumberField
            label="Synaptic τs"
            unit="ms"
            configPath={layersField('neuron', 'tauSynMs')}
            value={neuron.tauSynMs}
            onCommit={(v) =>
              v !== null &&
              edit((d) =>
                editNeurons(d, (n) => {
                  if (n.model === 'srm') n.tauSynMs = v;
                }),
              )
            }
          />
          <NumberField
            label="Refractory τr"
            unit="ms"
            configPath={layersField('neuron', 'tauRefMs')}
            value={neuron.tauRefMs}
            onCommit={(v) =>
              v !== null &&
              edit((d) =>
                editNeurons(d, (n) => {
                  if (n.model === 'srm') n.tauRefMs = v;
                }),
              )
            }
          />
        </>
      )}
      <SelectField
        label="Surrogate gradient"
        configPath={layersField('neuron', 'surrogate')}
        value={neuron.surrogate.kind}
        options={SURROGATES}
        onChange={(kind) => edit((d) => editNeurons(d, (n) => void (n.surrogate = { ...n.surrogate, kind })))}
      />
    </fieldset>
  );
}

/**
 * The chip the delays are meant for (Loihi 2, SpiNNaker): not part of the experiment, a check on
 * it. Layers whose Td reaches beyond the chip's delays are listed while the network is edited.
 */
function HardwareTargetField({ config }: { config: ExperimentConfig }) {
  const target = useApp((s) => s.hardwareTarget);
  const setTarget = useApp((s) => s.setHardwareTarget);
  const warnings = hardwareWarnings(config, target);
  return (
    <>
      <SelectField
        label="Hardware target"
        testId="hardware-target"
        value={target}
        options={HARDWARE_TARGETS}
        onChange={setTarget}
      />
      {warnings.length > 0 && (
        <ul className="field-warning" data-testid="hardware-warnings" role="status">
          {warnings.map((w) => (
            <li key={w}>{w}</li>
          ))}
        </ul>
      )}
    </>
  );
}

function DelaySection({ config, edit }: { config: ExperimentConfig; edit: Edit }) {
  const kernel = config.network.layers[0]!.kernel;
  const sigma = config.sigma;
  return (
    <fieldset>
      <legend>Delays</legend>
      <SelectField
        label="Delay kernel"
        testId="kernel-mode"
        configPath={layersField('kernel', 'mode')}
        value={kernel.mode}
        options={KERNEL_MODES}
        onChange={(mode) => edit((d) => editKernels(d, (l) => void (l.kernel.mode = mode)))}
      />
      <NumberField
        label="Max delay Td"
        unit="time steps"
        configPath={layersField('kernel', 'maxDelay')}
        integer
        value={kernel.maxDelay}
        onCommit={(v) =>
          v !== null &&
          edit((d) =>
            editKernels(d, (l) => {
              l.kernel.maxDelay = v;
              // Keep the initial delays inside the new range rather than refuse a shorter Td.
              const longest = delayRange(v).max;
              if (l.delayInit.kind === 'uniform') l.delayInit.high = Math.min(l.delayInit.high, longest);
              // Per-synapse delays beyond the new range give way to a uniform draw.
              if (l.delayInit.kind === 'values' && l.delayInit.values.some((d) => d > longest))
                l.delayInit = { kind: 'uniform', low: 0, high: longest };
            }),
          )
        }
      />
      <HardwareTargetField config={config} />
      <SelectField
        label="σ schedule"
        configPath={['sigma', 'kind']}
        value={sigma.kind}
        options={SIGMA_SCHEDULES}
        onChange={(kind) => edit((d) => void (d.sigma.kind = kind))}
      />
      <NumberField
        label="σ initial"
        unit="time steps"
        configPath={['sigma', 'initial']}
        nullable
        placeholder="Td / 2"
        value={sigma.initial}
        onCommit={(v) => edit((d) => void (d.sigma.initial = v))}
      />
      <NumberField
        label="σ final"
        unit="time steps"
        configPath={['sigma', 'final']}
        value={sigma.final}
        onCommit={(v) => v !== null && edit((d) => void (d.sigma.final = v))}
      />
    </fieldset>
  );
}

/** EventProp's own settings: synaptic time constant, simulation, loss. */
function EventPropFields({
  eventprop,
  edit,
}: {
  eventprop: NonNullable<ExperimentConfig['eventprop']>;
  edit: Edit;
}) {
  return (
    <>
      <NumberField
        label="Synaptic τ (ms)"
        testId="tau-syn"
        configPath={['eventprop', 'tauSynMs']}
        value={eventprop.tauSynMs}
        onCommit={(v) => v !== null && edit((d) => void (d.eventprop!.tauSynMs = v))}
      />
      <SelectField
        label="Simulation"
        testId="eventprop-simulation"
        configPath={['eventprop', 'simulation']}
        value={eventprop.simulation}
        options={EVENTPROP_SIMULATIONS}
        onChange={(simulation) => edit((d) => void (d.eventprop!.simulation = simulation))}
      />
      <SelectField
        label="EventProp loss"
        testId="eventprop-loss"
        configPath={['eventprop', 'loss', 'kind']}
        value={eventprop.loss.kind}
        options={EVENTPROP_LOSSES}
        onChange={(kind) => edit((d) => setEventPropLoss(d, kind))}
      />
    </>
  );
}

function TrainingSection({ config, edit }: { config: ExperimentConfig; edit: Edit }) {
  const init = config.network.layers[0]!.weightInit;
  const fixedInit = init.kind === 'normal' || init.kind === 'ternary' ? init.kind : null;
  const opt = config.optimizer;
  return (
    <fieldset>
      <legend>Training</legend>
      <SelectField
        label="Gradients"
        testId="method"
        configPath={['training', 'method']}
        value={config.training.method}
        options={TRAINING_METHODS}
        onChange={(method) => edit((d) => setTrainingMethod(d, method))}
      />
      {config.training.method === 'eventprop' && config.eventprop && (
        <EventPropFields eventprop={config.eventprop} edit={edit} />
      )}
      <SelectField
        label="What trains"
        testId="trained"
        value={trainedParameters(config)}
        options={TRAINED_PARAMETERS}
        onChange={(what) => edit((d) => setTrainedParameters(d, what))}
      />
      <SelectField
        label="Weight initialisation"
        configPath={layersField('weightInit')}
        value={fixedInit ?? 'other'}
        options={[
          // A preset's other kind is shown, but the editor only switches between the two below.
          ...(fixedInit === null
            ? [{ value: 'other' as const, label: `${optionFor(WEIGHT_INITS, init.kind).label} (preset)` }]
            : []),
          optionFor(WEIGHT_INITS, 'normal'),
          optionFor(WEIGHT_INITS, 'ternary'),
        ]}
        onChange={(kind) => {
          if (kind === 'normal' || kind === 'ternary') edit((d) => setWeightInitKind(d, kind));
        }}
      />
      <NumberField
        label="Weight learning rate"
        configPath={['optimizer', 'weights', 'lr']}
        value={opt.weights.lr}
        onCommit={(v) => v !== null && edit((d) => void (d.optimizer.weights.lr = v))}
      />
      <NumberField
        label="Delay learning rate"
        configPath={['optimizer', 'delays', 'lr']}
        value={opt.delays.lr}
        onCommit={(v) => v !== null && edit((d) => void (d.optimizer.delays.lr = v))}
      />
      <SelectField
        label="Optimiser"
        testId="optimiser"
        configPath={['optimizer', 'amsgrad']}
        value={opt.amsgrad === true ? 'amsgrad' : 'adam'}
        options={ADAM_VARIANTS}
        onChange={(variant) => edit((d) => void (d.optimizer.amsgrad = variant === 'amsgrad'))}
      />
      <NumberField
        label="Epochs"
        integer
        testId="epochs"
        configPath={['training', 'epochs']}
        value={config.training.epochs}
        onCommit={(v) => v !== null && edit((d) => void (d.training.epochs = v))}
      />
      <NumberField
        label="Batch size"
        configPath={['training', 'batchSize']}
        integer
        value={config.training.batchSize}
        onCommit={(v) => v !== null && edit((d) => void (d.training.batchSize = v))}
      />
      <NumberField
        label="Seed"
        integer
        testId="seed"
        configPath={['seed']}
        value={config.seed}
        onCommit={(v) => v !== null && edit((d) => void (d.seed = v))}
      />
    </fieldset>
  );
}

import { ENCODER_KINDS } from '../../core/data/encoders.ts';
import { BUILTIN_MNIST } from '../../core/data/builtinMnist.ts';
import type { ExperimentConfig, NeuronConfig } from '../../core/experiment.ts';
import type { KernelMode } from '../../core/synapses/kernels.ts';
import type { SurrogateKind } from '../../core/neurons/surrogates.ts';
import { useApp } from '../../store/index.ts';
import { NumberField, SelectField, TextField } from '../fields.tsx';
import {
  defaultEncoder,
  editKernels,
  editNeurons,
  hiddenSizesText,
  parseSizes,
  setHiddenSizes,
  setNeuronModel,
  setTrainedParameters,
  setWeightInitKind,
  trainedParameters,
  type TrainedParameters,
} from './edits.ts';

const KERNELS: { value: KernelMode; label: string }[] = [
  { value: 'gauss', label: 'Gaussian (DCLS)' },
  { value: 'lerp', label: 'linear interpolation' },
  { value: 'round', label: 'integer (ring buffer)' },
  { value: 'hardware', label: 'integer forward, smooth backward' },
];
const SURROGATES: { value: SurrogateKind; label: string }[] = [
  { value: 'arctan', label: 'arctan' },
  { value: 'fastSigmoid', label: 'fast sigmoid' },
  { value: 'slayerExp', label: 'SLAYER exponential' },
];
const TRAINED: { value: TrainedParameters; label: string }[] = [
  { value: 'both', label: 'weights and delays' },
  { value: 'delays', label: 'delays only' },
  { value: 'weights', label: 'weights only' },
];

/** Sections of the experiment config; every control edits the versioned config in the store. */
export function ExperimentEditor() {
  const config = useApp((s) => s.experiment);
  const edit = useApp((s) => s.editExperiment);
  const datasets = useApp((s) => s.datasets.entries);
  return (
    <div className="editor">
      <DataSection config={config} edit={edit} datasetNames={datasets.map((d) => d.name)} />
      <NetworkSection config={config} edit={edit} />
      <DelaySection config={config} edit={edit} />
      <TrainingSection config={config} edit={edit} />
    </div>
  );
}

type Edit = (fn: (draft: ExperimentConfig) => void) => boolean;

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
        <p className="hint">
          Generated task '{task.kind}' (from the seed). Pick an MNIST preset to train on images.
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
          value={task.encoder.kind}
          options={ENCODER_KINDS.map((k) => ({ value: k, label: k }))}
          onChange={(kind) =>
            edit((d) => {
              if (d.task.kind === 'images') d.task.encoder = defaultEncoder(kind, d.network.timeSteps);
            })
          }
        />
      ) : (
        <NumberField
          label="Channels pooled per input"
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
        hint="comma separated, e.g. 800 or 128, 64; empty for none"
        value={hiddenSizesText(config)}
        onCommit={(text) => {
          const sizes = parseSizes(text);
          return sizes !== null && edit((d) => setHiddenSizes(d, sizes));
        }}
      />
      <NumberField
        label="Time steps"
        integer
        value={config.network.timeSteps}
        onCommit={(v) => v !== null && edit((d) => void (d.network.timeSteps = v))}
      />
      <NumberField
        label="Step"
        unit="ms"
        value={config.network.dtMs}
        onCommit={(v) => v !== null && edit((d) => void (d.network.dtMs = v))}
      />
      <SelectField
        label="Neuron model"
        value={neuron.model}
        options={[
          { value: 'lif', label: 'LIF' },
          { value: 'srm', label: 'SRM (SLAYER)' },
        ]}
        onChange={(m) => edit((d) => setNeuronModel(d, m))}
      />
      <NumberField
        label="Threshold"
        value={neuron.threshold}
        onCommit={(v) =>
          v !== null && edit((d) => editNeurons(d, (n: NeuronConfig) => void (n.threshold = v)))
        }
      />
      {neuron.model === 'lif' ? (
        <NumberField
          label="Membrane τ"
          unit="ms"
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
        value={neuron.surrogate.kind}
        options={SURROGATES}
        onChange={(kind) => edit((d) => editNeurons(d, (n) => void (n.surrogate = { ...n.surrogate, kind })))}
      />
    </fieldset>
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
        value={kernel.mode}
        options={KERNELS}
        onChange={(mode) => edit((d) => editKernels(d, (l) => void (l.kernel.mode = mode)))}
      />
      <NumberField
        label="Max delay Td"
        unit="time steps"
        integer
        value={kernel.maxDelay}
        onCommit={(v) =>
          v !== null &&
          edit((d) =>
            editKernels(d, (l) => {
              l.kernel.maxDelay = v;
              if (l.delayInit.kind === 'uniform') l.delayInit.high = Math.min(l.delayInit.high, v - 1);
            }),
          )
        }
      />
      <SelectField
        label="σ schedule"
        value={sigma.kind}
        options={[
          { value: 'constant', label: 'constant' },
          { value: 'linear', label: 'linear decay' },
          { value: 'multiplicative', label: 'multiplicative decay' },
        ]}
        onChange={(kind) => edit((d) => void (d.sigma.kind = kind))}
      />
      <NumberField
        label="σ initial"
        unit="time steps"
        nullable
        placeholder="Td / 2"
        value={sigma.initial}
        onCommit={(v) => edit((d) => void (d.sigma.initial = v))}
      />
      <NumberField
        label="σ final"
        unit="time steps"
        value={sigma.final}
        onCommit={(v) => v !== null && edit((d) => void (d.sigma.final = v))}
      />
    </fieldset>
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
        label="What trains"
        testId="trained"
        value={trainedParameters(config)}
        options={TRAINED}
        onChange={(what) => edit((d) => setTrainedParameters(d, what))}
      />
      <SelectField
        label="Weight initialisation"
        value={fixedInit ?? 'other'}
        options={[
          ...(fixedInit === null ? [{ value: 'other', label: `${init.kind} (preset)` }] : []),
          { value: 'normal', label: 'normal' },
          { value: 'ternary', label: 'ternary {-1, 0, 1}' },
        ]}
        onChange={(kind) => {
          if (kind === 'normal' || kind === 'ternary') edit((d) => setWeightInitKind(d, kind));
        }}
      />
      <NumberField
        label="Weight learning rate"
        value={opt.weights.lr}
        onCommit={(v) => v !== null && edit((d) => void (d.optimizer.weights.lr = v))}
      />
      <NumberField
        label="Delay learning rate"
        value={opt.delays.lr}
        onCommit={(v) => v !== null && edit((d) => void (d.optimizer.delays.lr = v))}
      />
      <NumberField
        label="Epochs"
        integer
        testId="epochs"
        value={config.training.epochs}
        onCommit={(v) => v !== null && edit((d) => void (d.training.epochs = v))}
      />
      <NumberField
        label="Batch size"
        integer
        value={config.training.batchSize}
        onCommit={(v) => v !== null && edit((d) => void (d.training.batchSize = v))}
      />
      <NumberField
        label="Seed"
        integer
        testId="seed"
        value={config.seed}
        onCommit={(v) => v !== null && edit((d) => void (d.seed = v))}
      />
    </fieldset>
  );
}

import { useEffect, useMemo, useRef, useState } from 'react';
import type { Chart } from '../charts/common.ts';
import {
  create as createRunComparison,
  type ComparedRun,
  type RunComparisonData,
} from '../charts/runComparison.ts';
import { experimentKey, groupBySeed, summariseRun, type RunRow } from '../core/analysis/runReport.ts';
import { histogram } from '../core/analysis/histogram.ts';
import { runsCsv } from '../core/analysis/runsCsv.ts';
import { decodeCheckpoint, existingDelays } from '../core/checkpoint.ts';
import { delayRange } from '../core/synapses/kernels.ts';
import type { RunEntry } from '../storage/runStore.ts';
import { useApp } from '../store/index.ts';
import { downloadText } from './download.ts';
import { runStore } from './useTraining.ts';

/** Delay bins of the comparison's distribution (one per time step up to this many). */
const MAX_DELAY_BINS = 40;

const pct = (x: number | null): string => (x === null ? '—' : (100 * x).toFixed(1));

/** The first layer's delays of a stored run as shares per bin, from its checkpoint. */
async function delayShares(run: RunEntry): Promise<ComparedRun['delays']> {
  const stored = await runStore.load(run.id);
  if (!stored) return null;
  const checkpoint = decodeCheckpoint(stored.checkpoint, `run '${run.name}'`);
  const saved = checkpoint.state.layers[0];
  const first = run.config.network.layers[0];
  // Absent synapses have no delay to show.
  const delays = saved && first ? existingDelays(saved, first.connectivity) : undefined;
  const taps = first?.kernel.maxDelay;
  if (!delays || taps === undefined || delays.length === 0) return null;
  const { min, max } = delayRange(taps);
  const bins = Math.min(MAX_DELAY_BINS, Math.max(1, Math.round(max - min)));
  const h = histogram(delays, bins, min, max);
  return { lo: h.lo, hi: h.hi, fractions: h.counts.map((c) => c / delays.length) };
}

/** The comparison chart, redrawn when its data changes (it lives outside the store: delays load here). */
function ComparisonChart({ data }: { data: RunComparisonData }) {
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart<RunComparisonData> | null>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    chart.current = createRunComparison(el);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    chart.current?.update(data);
    const withDelays = data.runs.filter((r) => r.delays !== null).length;
    host.current?.setAttribute(
      'aria-label',
      `Compared runs: ${data.runs.length} runs, ${withDelays} with delays`,
    );
  }, [data]);
  return <div ref={host} className="chart-host tall" data-testid="comparison-chart" />;
}

/** The stored runs picked for comparison, in the order picked. */
const comparedRuns = (storedRuns: readonly RunEntry[], compareIds: readonly string[]): RunEntry[] =>
  compareIds.flatMap((id) => storedRuns.filter((r) => r.id === id));

/**
 * Stored runs picked in the runs table, side by side: their learning curves and first-layer
 * delays overlaid, a results table per run and per experiment over seeds (as `delaylab report`
 * prints it), and every epoch's metrics as CSV.
 */
export function RunComparison() {
  const storedRuns = useApp((s) => s.storedRuns);
  const compareIds = useApp((s) => s.compareIds);
  const runs = useMemo(() => comparedRuns(storedRuns, compareIds), [storedRuns, compareIds]);
  const [delays, setDelays] = useState<Record<string, ComparedRun['delays']>>({});
  const [problem, setProblem] = useState<string | null>(null);
  // Checkpoints being read (a re-render while one loads must not read it again).
  const loading = useRef(new Set<string>());
  useEffect(() => {
    let live = true;
    for (const run of runs) {
      const key = `${run.id}@${run.step}`;
      if (key in delays || loading.current.has(key)) continue;
      loading.current.add(key);
      delayShares(run).then(
        (shares) => live && setDelays((d) => ({ ...d, [key]: shares })),
        (e: unknown) =>
          live &&
          setProblem(
            `Could not read the delays of '${run.name}': ${e instanceof Error ? e.message : String(e)}`,
          ),
      );
    }
    return () => {
      live = false;
    };
  }, [runs, delays]);
  const data: RunComparisonData = useMemo(
    () => ({
      runs: runs.map((r) => ({
        name: r.name,
        epochs: r.history.map((e) => ({
          epoch: e.epoch,
          validationAccuracy: e.validationAccuracy,
          testAccuracy: e.testAccuracy,
          trainLoss: e.trainLoss,
        })),
        delays: delays[`${r.id}@${r.step}`] ?? null,
      })),
    }),
    [runs, delays],
  );
  if (runs.length < 2) return null;
  const rows: RunRow[] = runs.flatMap((r) => {
    const row = summariseRun(
      r.name,
      { config: r.config.name, configKey: experimentKey(r.config), seed: r.config.seed, dataset: r.dataset },
      r.history,
    );
    return row ? [row] : [];
  });
  const groups = groupBySeed(rows);
  return (
    <section className="panel comparison" aria-labelledby="comparison-heading" data-testid="run-comparison">
      <h2 id="comparison-heading">Compared runs ({runs.length})</h2>
      <ComparisonChart data={data} />
      {problem && (
        <p role="alert" className="error">
          {problem}
        </p>
      )}
      <div className="table-scroll">
        <table className="data" data-testid="comparison-runs">
          <caption>Per run (test: the best-validation model's, as the papers report)</caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Seed</th>
              <th scope="col">Epochs</th>
              <th scope="col">Validation %</th>
              <th scope="col">Test % (epoch)</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.dir}>
                <th scope="row">{r.dir}</th>
                <td>{r.seed}</td>
                <td>{r.epochs}</td>
                <td>{pct(r.validationAccuracy)}</td>
                <td>
                  {pct(r.testAccuracy)} ({r.testFrom === 'best-validation' ? r.bestEpoch : 'last'})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="table-scroll">
        <table className="data" data-testid="comparison-groups">
          <caption>Per experiment, over seeds</caption>
          <thead>
            <tr>
              <th scope="col">Experiment</th>
              <th scope="col">Seeds</th>
              <th scope="col">Test % mean ± sd (n)</th>
            </tr>
          </thead>
          <tbody>
            {groups.map((g) => (
              <tr key={`${g.config}:${g.seeds.join(',')}`}>
                <th scope="row">{g.config}</th>
                <td>{g.seeds.join(', ')}</td>
                <td>
                  {g.testStd === null ? pct(g.testMean) : `${pct(g.testMean)} ± ${pct(g.testStd)}`} ({g.n})
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length < runs.length && <p className="muted">Runs without a finished epoch have no row yet.</p>}
      <button
        type="button"
        data-testid="comparison-csv"
        onClick={() =>
          downloadText(
            runsCsv(runs.map((r) => ({ name: r.name, seed: r.config.seed, history: r.history }))),
            'compared-runs.csv',
            'text/csv',
          )
        }
      >
        Metrics per epoch (CSV)
      </button>
    </section>
  );
}

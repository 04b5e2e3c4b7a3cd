import { scaleLinear } from 'd3';
import { useApp } from '../store/index.ts';
import type { TrainingClient } from '../worker/client.ts';
import type { FieldComparison } from '../worker/protocol.ts';

const PLOT_WIDTH = 360;
const ROW_HEIGHT = 22;
const LABEL_WIDTH = 78;

/** p as a reader wants it: 4 significant digits, scientific below 0.001. */
function formatP(p: number): string {
  return p < 1e-3 ? p.toExponential(2) : p.toPrecision(3);
}

/** The two samples of Moran's I as rows of dots on one axis (untrained above, trained below). */
function StripPlot({ comparison }: { comparison: FieldComparison }) {
  const defined = (xs: (number | null)[]) => xs.filter((x): x is number => x !== null);
  const rows = [
    { name: 'untrained', values: defined(comparison.untrained) },
    { name: 'trained', values: defined(comparison.trained) },
  ];
  const all = rows.flatMap((r) => r.values);
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all, lo + 1e-3);
  const x = scaleLinear()
    .domain([lo, hi])
    .nice()
    .range([LABEL_WIDTH, PLOT_WIDTH - 10]);
  const height = rows.length * ROW_HEIGHT + 24;
  const ticks = x.ticks(4);
  return (
    <svg
      width={PLOT_WIDTH}
      height={height}
      role="img"
      aria-label={`Moran's I per output neuron: untrained ${rows[0]!.values.map((v) => v.toFixed(3)).join(', ')}; trained ${rows[1]!.values.map((v) => v.toFixed(3)).join(', ')}`}
    >
      {rows.map((row, r) => (
        <g key={row.name} transform={`translate(0, ${r * ROW_HEIGHT + 12})`} data-row={row.name}>
          <text x={0} y={4} className="strip-label">
            {row.name}
          </text>
          {row.values.map((v, k) => (
            <circle key={k} cx={x(v)} cy={0} r={4} className={`strip-dot ${row.name}`} />
          ))}
        </g>
      ))}
      <g transform={`translate(0, ${rows.length * ROW_HEIGHT + 6})`}>
        <line x1={LABEL_WIDTH} x2={PLOT_WIDTH - 10} y1={0} y2={0} className="strip-axis" />
        {ticks.map((t) => (
          <text key={t} x={x(t)} y={14} textAnchor="middle" className="strip-tick">
            {t}
          </text>
        ))}
      </g>
    </svg>
  );
}

/**
 * Trained vs untrained receptive-field structure of a two-layer run: a button asks the worker for
 * every output's Moran's I now and at the seed's initialisation; the answer shows as two rows of
 * dots with the Mann-Whitney U and its two-sided p.
 */
export function FieldComparisonPanel({ client }: { client: TrainingClient | null }) {
  const layers = useApp((s) => s.run.info?.config.network.layers.length ?? 0);
  const comparison = useApp((s) => s.run.fieldComparison);
  const status = useApp((s) => s.run.status);
  if (layers !== 2) return null;
  const result = comparison?.result ?? null;
  return (
    <div
      className="field-comparison"
      data-testid="field-comparison"
      data-u={result?.test.u}
      data-p={result?.test.p}
      data-trained={comparison ? comparison.trained.length : undefined}
    >
      <button
        type="button"
        data-testid="compare-fields"
        disabled={!client || status === 'loading' || status === 'starting' || status === 'error'}
        onClick={() => client?.compareFields()}
      >
        Compare receptive fields with the untrained network
      </button>
      {comparison && (
        <div>
          <p>
            <strong>Step {comparison.step}</strong>, each output neuron’s Moran’s I (the maximum over{' '}
            {comparison.permutations} random input orders):{' '}
            {result ? (
              <>
                trained mean {result.trained.mean.toFixed(4)} vs untrained {result.untrained.mean.toFixed(4)};
                Mann-Whitney <span data-testid="field-comparison-u">U = {result.test.u}</span> of{' '}
                {result.trained.values.length * result.untrained.values.length},{' '}
                <span data-testid="field-comparison-p">p = {formatP(result.test.p)}</span> (two-sided,{' '}
                {result.test.method === 'exact' ? 'exact' : 'normal approximation with tie correction'})
                {result.undefinedFields > 0 && `; ${result.undefinedFields} constant fields left out`}.
              </>
            ) : (
              comparison.problem
            )}
          </p>
          {result && <StripPlot comparison={comparison} />}
          <p className="muted">
            One run gives one value per output neuron, so with few outputs no p can be small (3 against 3
            values: at best 0.1). The paper pools 3 seeds × 20 outputs; <code>delaylab analyze</code> pools
            any number of runs.
          </p>
        </div>
      )}
    </div>
  );
}

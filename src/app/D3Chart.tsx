import { useEffect, useRef } from 'react';
import type { Chart } from '../charts/common.ts';
import { chartFileName, savePng, saveSvg } from '../charts/exportChart.ts';
import { appStore, type AppState } from '../store/index.ts';

interface Props<S, D> {
  create: (el: HTMLElement) => Chart<D>;
  /** Picks the chart's source from the store; the chart redraws only when it changes (Object.is). */
  select: (state: AppState) => S;
  /** Maps the source to chart data (null = nothing to draw yet); must be a stable function. */
  toData: (source: S, state: AppState) => D | null;
  testId: string;
  title: string;
  /** What the drawn data holds, in words (the host's aria-label after the title), e.g. "412 steps". */
  summary?: (data: D) => string;
  /** A taller chart (rasters, matrices) gets more room. */
  tall?: boolean;
}

/**
 * Hosts a d3 chart with Save SVG / Save PNG buttons. Data reaches it through `appStore.subscribe`,
 * outside React: a progress message redraws the chart without re-rendering any component.
 */
export function D3Chart<S, D>({ create, select, toData, testId, title, summary, tall = false }: Props<S, D>) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = create(el);
    let last: S | undefined;
    const draw = (state: AppState): void => {
      const source = select(state);
      if (Object.is(source, last)) return;
      last = source;
      const data = toData(source, state);
      if (data !== null) {
        chart.update(data);
        el.dataset['drawn'] = 'true';
        if (summary) el.setAttribute('aria-label', `${title}: ${summary(data)}`);
      }
    };
    draw(appStore.getState());
    const unsubscribe = appStore.subscribe(draw);
    return () => {
      unsubscribe();
      chart.destroy();
    };
  }, [create, select, toData, summary, title]);
  const svg = (): SVGSVGElement | null => host.current?.querySelector('svg') ?? null;
  return (
    <div className="chart-box">
      <div ref={host} className={tall ? 'chart-host tall' : 'chart-host'} data-testid={testId} />
      <div className="chart-actions">
        <button
          type="button"
          className="small"
          aria-label={`Save ${title} as SVG`}
          onClick={() => {
            const s = svg();
            if (s) saveSvg(s, chartFileName(title));
          }}
        >
          SVG
        </button>
        <button
          type="button"
          className="small"
          aria-label={`Save ${title} as PNG`}
          onClick={() => {
            const s = svg();
            if (s) void savePng(s, chartFileName(title));
          }}
        >
          PNG
        </button>
      </div>
    </div>
  );
}

import { useEffect, useRef } from 'react';
import type { Chart } from '../charts/common.ts';
import { appStore, type Metrics } from '../store/index.ts';

interface Props<D> {
  create: (el: HTMLElement) => Chart<D>;
  /** Maps the store's metrics to the chart's data; must be a stable (module-level) function. */
  toData: (metrics: Metrics) => D;
  testId: string;
}

/**
 * Hosts a d3 chart. Data reaches it through `appStore.subscribe`, outside React: a progress
 * message redraws the chart without re-rendering any component.
 */
export function D3Chart<D>({ create, toData, testId }: Props<D>) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const chart = create(el);
    let last: Metrics | null = null;
    const draw = (metrics: Metrics | null): void => {
      if (metrics === null || metrics === last) return;
      last = metrics;
      chart.update(toData(metrics));
    };
    draw(appStore.getState().metrics);
    const unsubscribe = appStore.subscribe((state) => draw(state.metrics));
    return () => {
      unsubscribe();
      chart.destroy();
    };
  }, [create, toData]);
  return <div ref={host} className="chart-host" data-testid={testId} />;
}

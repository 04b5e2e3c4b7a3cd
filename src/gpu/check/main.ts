/**
 * Script of gpu-check.html: runs the GPU-vs-CPU parity checks (parity.ts) on this page's WebGPU
 * adapter and shows the outcome twice, as a table for people and as JSON in
 * `<pre data-testid="gpu-check-result" data-status="...">` for e2e/gpu-check.spec.ts.
 * It loads nothing from the network: the kernels' WGSL is bundled.
 */
import { runGpuCheck, type GpuCheckSummary } from './parity.ts';

function element<T extends HTMLElement>(testId: string, type: new () => T): T {
  const found = document.querySelector(`[data-testid="${testId}"]`);
  if (!(found instanceof type))
    throw new Error(`gpu-check.html has no ${type.name} [data-testid="${testId}"]`);
  return found;
}

function formatNumber(x: number | null): string {
  return x === null ? 'n/a' : x.toExponential(2);
}

function cell(row: HTMLTableRowElement, text: string, className = ''): void {
  const td = row.insertCell();
  td.textContent = text;
  if (className) td.className = className;
}

function render(summary: GpuCheckSummary): void {
  const status = element('gpu-check-status', HTMLParagraphElement);
  status.textContent = summary.message;
  status.dataset['status'] = summary.status;

  const adapter = element('gpu-check-adapter', HTMLParagraphElement);
  const a = summary.adapter;
  adapter.textContent = a
    ? `Adapter: ${[a.vendor, a.architecture, a.description].filter((s) => s.length > 0).join(' / ') || 'unnamed'}` +
      (a.isFallbackAdapter ? ' (fallback adapter, software)' : '')
    : 'Adapter: none';

  const body = element('gpu-check-table', HTMLTableElement).tBodies[0]!;
  body.replaceChildren();
  for (const check of summary.checks) {
    const row = body.insertRow();
    row.dataset['ok'] = String(check.ok);
    cell(row, check.name);
    cell(row, formatNumber(check.maxAbsError), 'number');
    cell(row, formatNumber(check.tolerance), 'number');
    cell(row, check.ok ? 'ok' : `FAILED${check.note ? `: ${check.note}` : ''}`, check.ok ? 'ok' : 'bad');
  }

  // Written last: the spec waits for data-status to leave 'running'.
  const result = element('gpu-check-result', HTMLPreElement);
  result.textContent = JSON.stringify(summary, null, 2);
  result.dataset['status'] = summary.status;
}

async function main(): Promise<void> {
  // @webgpu/types declares navigator.gpu as always present; browsers without WebGPU lack it.
  const gpu = (navigator as { gpu?: GPU }).gpu;
  let summary: GpuCheckSummary;
  try {
    summary = await runGpuCheck(gpu);
  } catch (e) {
    summary = {
      status: 'error',
      webgpu: 'error',
      message: `The GPU check failed to run: ${e instanceof Error ? e.message : String(e)}`,
      adapter: null,
      checks: [],
      troubles: [],
    };
  }
  render(summary);
}

void main();

import { PROBED_LIMITS, type GpuAdapterReport } from '../gpu/probe.ts';
import { useApp } from '../store/index.ts';
import { formatBytes } from './format.ts';

const BYTE_LIMITS = new Set<string>([
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
]);

function AdapterDetails({ adapter }: { adapter: GpuAdapterReport }) {
  const rows: [label: string, testId: string, value: string][] = [
    [
      'Vendor · architecture',
      'gpu-name',
      [adapter.vendor, adapter.architecture].filter(Boolean).join(' · ') || '(not reported)',
    ],
    ['Description', 'gpu-description', adapter.description || '(not reported)'],
    ['Fallback adapter', 'gpu-fallback', adapter.isFallbackAdapter ? 'yes (software)' : 'no'],
  ];
  return (
    <>
      <dl className="kv" data-testid="gpu-adapter">
        {rows.map(([label, testId, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd data-testid={testId}>{value}</dd>
          </div>
        ))}
      </dl>
      <table className="data limits" data-testid="gpu-limits">
        <caption>Adapter limits</caption>
        <tbody>
          {PROBED_LIMITS.map((name) => {
            const v = adapter.limits[name];
            return (
              <tr key={name}>
                <th scope="row">
                  <code>{name}</code>
                </th>
                <td>{BYTE_LIMITS.has(name) ? `${formatBytes(v)}` : v.toLocaleString('en-US')}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

export function EnginePanel() {
  const gpu = useApp((s) => s.gpu);
  const kind = gpu?.kind ?? 'probing';
  const engine = useApp((s) => s.run.info?.engine ?? null);
  return (
    <section
      className="panel engine"
      aria-labelledby="engine-heading"
      data-testid="engine-info"
      data-gpu={kind}
      data-fallback={gpu?.kind === 'adapter' ? String(gpu.adapter.isFallbackAdapter) : undefined}
    >
      <h2 id="engine-heading">Engines</h2>
      <p>
        <strong>Training:</strong>{' '}
        <span data-testid="engine-in-use" data-engine={engine?.engine ?? ''}>
          {engine ? engine.description : 'no run loaded yet'}
        </span>
      </p>
      <p data-testid="gpu-summary">
        <strong>WebGPU:</strong>{' '}
        {gpu === null
          ? 'checking…'
          : gpu.kind === 'adapter'
            ? `available${gpu.adapter.isFallbackAdapter ? ' (software fallback adapter)' : ''}.`
            : `unavailable. ${gpu.message}`}
      </p>
      {gpu?.kind === 'adapter' && <AdapterDetails adapter={gpu.adapter} />}
    </section>
  );
}

/**
 * The GPU kernels in a real browser: gpu-check.html runs the WGSL delay-layer forward (gauss,
 * lerp, round), backward (gauss, lerp), the ceSumMembrane loss and 5 whole training steps of the toy
 * (GpuTrainer) on Chromium's WebGPU adapter
 * (SwiftShader on these GPU-less machines) and compares them with the CPU engine in the same page.
 */
import { chromium, expect, test, type Page } from '@playwright/test';
import { BASE_ARGS, CHROMIUM } from '../playwright.config.ts';

interface CheckResult {
  name: string;
  maxAbsError: number | null;
  tolerance: number;
  ok: boolean;
  note: string;
}

interface GpuCheckSummary {
  status: string;
  webgpu: string;
  message: string;
  adapter: { vendor: string; architecture: string; description: string; isFallbackAdapter: boolean } | null;
  checks: CheckResult[];
  troubles: string[];
}

const EXPECTED_CHECKS = [
  'delay forward gauss: current',
  'delay forward lerp: current',
  'delay forward round: current',
  'delay backward gauss: gradWeights',
  'delay backward gauss: gradDelays',
  'delay backward gauss: gradInput',
  'delay backward lerp: gradWeights',
  'delay backward lerp: gradDelays',
  'delay backward lerp: gradInput',
  'loss ceSumMembrane: loss',
  'loss ceSumMembrane: gradMembrane',
  'training step toy x5: losses',
  'training step toy x5: delays',
];

/** Records page errors, console errors and every request that leaves the preview server. */
function watch(page: Page, origin: string): { errors: string[]; foreign: string[] } {
  const errors: string[] = [];
  const foreign: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) foreign.push(url);
  });
  return { errors, foreign };
}

/** Opens the check page and waits until it has written its summary. */
async function runCheckPage(page: Page): Promise<GpuCheckSummary> {
  await page.goto('src/gpu/check/gpu-check.html');
  await expect(page.getByRole('heading', { level: 1, name: 'Delay Lab: GPU check' })).toBeVisible();
  const result = page.getByTestId('gpu-check-result');
  await expect(result).not.toHaveAttribute('data-status', 'running', { timeout: 90_000 });
  const summary = JSON.parse((await result.textContent()) ?? '') as GpuCheckSummary;
  await expect(result).toHaveAttribute('data-status', summary.status);
  return summary;
}

test('GPU kernels in Chromium match the CPU engine in the same page', async ({ page, baseURL }) => {
  const origin = new URL(baseURL ?? 'http://127.0.0.1/').origin;
  const { errors, foreign } = watch(page, origin);
  const summary = await runCheckPage(page);

  // An adapter was found: Debian's Chromium with --enable-unsafe-webgpu offers SwiftShader.
  expect(summary.webgpu, summary.message).toBe('adapter');
  const adapter = summary.adapter;
  expect(adapter).not.toBeNull();
  expect(
    adapter!.isFallbackAdapter || /swiftshader/i.test(`${adapter!.description} ${adapter!.architecture}`),
    `adapter ${JSON.stringify(adapter)}`,
  ).toBe(true);

  // Every check ran, and every one is within its tolerance.
  expect(summary.checks.map((c) => c.name)).toEqual(EXPECTED_CHECKS);
  for (const check of summary.checks) {
    expect(check.note, check.name).toBe('');
    expect(check.ok, `${check.name}: ${JSON.stringify(check)}`).toBe(true);
    expect(typeof check.maxAbsError, check.name).toBe('number');
    expect(check.tolerance, check.name).toBeGreaterThan(0);
    expect(check.maxAbsError!, check.name).toBeLessThanOrEqual(check.tolerance);
  }
  expect(summary.troubles).toEqual([]);
  expect(summary.status, summary.message).toBe('passed');

  // The human-readable table says the same.
  const rows = page.getByTestId('gpu-check-table').locator('tbody tr');
  await expect(rows).toHaveCount(EXPECTED_CHECKS.length);
  await expect(page.getByTestId('gpu-check-table').locator('tbody tr[data-ok="true"]')).toHaveCount(
    EXPECTED_CHECKS.length,
  );
  await expect(page.getByTestId('gpu-check-status')).toHaveAttribute('data-status', 'passed');
  await expect(page.getByTestId('gpu-check-adapter')).not.toHaveText('Adapter: none');

  await page.screenshot({ path: 'test-results/gpu-check.png', fullPage: true });
  expect(errors).toEqual([]);
  expect(foreign).toEqual([]);
});

test('without --enable-unsafe-webgpu the check page reports WebGPU unavailable and does not crash', async ({
  baseURL,
}) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  try {
    const page = await browser.newPage({ baseURL: baseURL ?? '', viewport: { width: 1280, height: 720 } });
    const origin = new URL(baseURL ?? 'http://127.0.0.1/').origin;
    const { errors, foreign } = watch(page, origin);
    const summary = await runCheckPage(page);

    expect(summary.status, summary.message).toBe('unavailable');
    expect(summary.webgpu).toMatch(/^(no-api|no-adapter|error)$/);
    expect(summary.message).toContain('WebGPU is unavailable');
    expect(summary.adapter).toBeNull();
    expect(summary.checks).toEqual([]);
    await expect(page.getByTestId('gpu-check-status')).toContainText('WebGPU is unavailable');
    await expect(page.getByTestId('gpu-check-table').locator('tbody tr')).toHaveCount(0);

    await page.screenshot({ path: 'test-results/gpu-check-no-webgpu.png', fullPage: true });
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
    expect(foreign).toEqual([]);
  } finally {
    await browser.close();
  }
});

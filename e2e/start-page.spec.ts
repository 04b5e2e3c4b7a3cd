import { chromium, expect, test, type Page } from '@playwright/test';
import { BASE_ARGS, CHROMIUM } from '../playwright.config.ts';

/** Training on the toy preset takes about 2.5 s at the default pace; allow for slow machines. */
const TRAINING_TIMEOUT = 90_000;

/** Presses Play and waits until the run has done all its steps (or hit both targets). */
async function trainToTheEnd(page: Page): Promise<void> {
  const play = page.getByRole('button', { name: 'Play' });
  await expect(play).toBeEnabled();
  await play.click();
  await expect(page.getByTestId('step-count')).not.toHaveText('0');
  await expect
    .poll(
      async () => {
        const step = Number(await page.getByTestId('step-count').textContent());
        const s1 = (await page.getByTestId('first-spike-1').textContent()) ?? '';
        const s2 = (await page.getByTestId('first-spike-2').textContent()) ?? '';
        return step === 300 || (s1.startsWith('38') && s2.startsWith('55'));
      },
      { timeout: TRAINING_TIMEOUT, intervals: [250] },
    )
    .toBe(true);
}

async function expectChartsDrawn(page: Page): Promise<void> {
  const loss = page.getByTestId('loss-chart').locator('svg path.loss-line');
  await expect(loss).toHaveAttribute('d', /^M.+L/);
  const traces = page.getByTestId('trace-chart').locator('svg path.trace');
  await expect(traces).toHaveCount(2);
  for (const trace of await traces.all()) await expect(trace).toHaveAttribute('d', /^M.+L/);
  await expect(page.getByTestId('trace-chart').locator('svg line.threshold')).toHaveCount(1);
  await expect(page.getByTestId('trace-chart').locator('svg line.target')).toHaveCount(2);
}

test('shows the WebGPU adapter and trains the toy task live on the CPU engine', async ({ page }) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Delay Lab' })).toBeVisible();

  // Engine panel: with --enable-unsafe-webgpu, Debian's Chromium offers SwiftShader.
  const engine = page.getByTestId('engine-info');
  await expect(engine).toHaveAttribute('data-gpu', 'adapter');
  const description = (await page.getByTestId('gpu-description').textContent()) ?? '';
  const fallback = await engine.getAttribute('data-fallback');
  expect(fallback === 'true' || /swiftshader/i.test(description)).toBe(true);
  await expect(page.getByTestId('gpu-limits')).toContainText('maxStorageBufferBindingSize');
  await expect(page.getByTestId('gpu-limits')).toContainText('maxComputeWorkgroupSizeX');

  // Status line names the engine that trains.
  const status = page.getByRole('status');
  await expect(status).toContainText('CPU reference engine (Web Worker)');
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await expect(page.getByTestId('target-1')).toHaveText('38');
  await expect(page.getByTestId('target-2')).toHaveText('55');

  await trainToTheEnd(page);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', {
    timeout: TRAINING_TIMEOUT,
  });
  await expect(page.getByTestId('step-count')).toHaveText('300');
  await expect(page.getByTestId('first-spike-1')).toContainText('38');
  await expect(page.getByTestId('first-spike-2')).toContainText('55');
  const loss = Number(await page.getByTestId('loss-value').textContent());
  expect(Number.isFinite(loss)).toBe(true);
  await expect(page.getByTestId('delays').locator('tbody td')).toHaveCount(6);
  await expectChartsDrawn(page);

  await page.screenshot({ path: 'test-results/start-page-trained.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('pause and reset respond while training', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Steps/s').selectOption({ label: '30' });
  await page.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()))
    .toBeGreaterThan(0);
  await page.getByRole('button', { name: 'Pause' }).click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'paused');
  const paused = await page.getByTestId('step-count').textContent();
  await page.waitForTimeout(500);
  await expect(page.getByTestId('step-count')).toHaveText(paused ?? '');

  await page.getByLabel('Seed').fill('7');
  await page.getByRole('button', { name: 'Reset' }).click();
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await expect(page.getByTestId('run-status')).toContainText('seed 7');
  await expect(page.getByRole('button', { name: 'Play' })).toBeEnabled();

  await page.getByLabel('Seed').fill('-1');
  await expect(page.getByRole('button', { name: 'Reset' })).toBeDisabled();
});

test('without --enable-unsafe-webgpu the page explains WebGPU is unavailable and still trains on the CPU', async ({
  baseURL,
}) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(baseURL ?? '/');
    const engine = page.getByTestId('engine-info');
    await expect(engine).toHaveAttribute('data-gpu', /^(no-api|no-adapter|error)$/);
    await expect(page.getByTestId('gpu-summary')).toContainText('unavailable');
    await expect(page.getByRole('status')).toContainText('CPU reference engine (Web Worker)');

    await trainToTheEnd(page);
    await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'done', {
      timeout: TRAINING_TIMEOUT,
    });
    await expect(page.getByTestId('first-spike-1')).toContainText('38');
    await expect(page.getByTestId('first-spike-2')).toContainText('55');
    await expectChartsDrawn(page);
    await page.screenshot({ path: 'test-results/start-page-no-webgpu.png', fullPage: true });
  } finally {
    await browser.close();
  }
});

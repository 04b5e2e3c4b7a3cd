import { chromium, expect, test, type Page } from '@playwright/test';
import { BASE_ARGS, CHROMIUM } from '../playwright.config.ts';
import { newRun, setField, trainToTheEnd, waitForStatus } from './helpers.ts';

/** The toy preset: 300 one-sample steps at the default pace (about 3 s, slower on SwiftShader). */
async function expectToyTrained(page: Page): Promise<void> {
  await expect(page.getByTestId('step-count')).toHaveText('300');
  await expect(page.getByTestId('first-spike-1')).toContainText('38');
  await expect(page.getByTestId('first-spike-2')).toContainText('55');
  const loss = Number(await page.getByTestId('loss-value').textContent());
  expect(Number.isFinite(loss)).toBe(true);
  await expect(page.getByTestId('delays').locator('tbody td')).toHaveCount(6);
  await expect(page.getByTestId('loss-chart').locator('svg path.loss-line')).toHaveAttribute('d', /^M.+L/);
  await expect(page.getByTestId('trace-chart').locator('svg line.threshold')).toHaveCount(1);
  await expect(page.getByTestId('trace-chart').locator('svg .traces path').first()).toHaveAttribute(
    'd',
    /^M.+L/,
  );
  await expect(page.getByTestId('delay-histogram')).toHaveAttribute('data-drawn', 'true');
}

test('opens on the toy task on the CPU (auto passes over the software adapter, saying why), and trains it live on the WebGPU engine (SwiftShader here) when asked', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Delay Lab' })).toBeVisible();

  const engine = page.getByTestId('engine-info');
  await expect(engine).toHaveAttribute('data-gpu', 'adapter');
  const description = (await page.getByTestId('gpu-description').textContent()) ?? '';
  const fallback = await engine.getAttribute('data-fallback');
  expect(fallback === 'true' || /swiftshader/i.test(description)).toBe(true);
  await expect(page.getByTestId('gpu-limits')).toContainText('maxStorageBufferBindingSize');

  await waitForStatus(page, /^ready$/);
  // auto passed over SwiftShader (a software adapter, far slower than the CPU engine) and says why.
  await expect(page.getByTestId('engine-in-use')).toHaveAttribute('data-engine', 'cpu');
  await expect(page.getByTestId('engine-notice')).toContainText('software (fallback) WebGPU adapter');
  // Asked for the GPU, it trains there: the engine in use is reported, not guessed.
  await page.getByTestId('engine-choice').selectOption('gpu');
  await newRun(page);
  await expect(page.getByTestId('engine-in-use')).toHaveAttribute('data-engine', 'gpu');
  await expect(page.getByRole('status').first()).toContainText('GPU engine');
  await expect(page.getByTestId('target-1')).toHaveText('38');
  await expect(page.getByTestId('target-2')).toHaveText('55');

  // No hidden layer: the receptive field is offered onto an output neuron, never a hidden one.
  await expect(page.getByTestId('input-field')).toBeVisible();
  await expect(page.getByTestId('hidden-field')).toHaveCount(0);
  await expect(page.getByText('Receptive field: hidden neuron')).toHaveCount(0);
  await trainToTheEnd(page);
  await expectToyTrained(page);
  // The runs table follows the open run: done, every epoch (not the last stored checkpoint's).
  const row = page.locator('[data-testid="run-row"][aria-current="true"]');
  await expect(row.getByTestId('run-state')).toHaveText('done');
  const epochs = ((await row.getByTestId('run-epochs').textContent()) ?? '').split('/').map((v) => v.trim());
  expect(epochs[0]).toBe(epochs[1]);
  await page.screenshot({ path: 'test-results/start-page-trained.png', fullPage: true });
  expect(errors).toEqual([]);
});

test('pause, single step and a new run from edited settings respond while training', async ({ page }) => {
  await page.goto('/');
  await waitForStatus(page, /^ready$/);
  await page.getByLabel('Steps/s').selectOption({ label: '30' });
  await page.getByRole('button', { name: 'Play' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('step-count').textContent()))
    .toBeGreaterThan(0);
  // While training: the epoch's and the run's progress, and the time left at this rate.
  await expect(page.getByTestId('run-eta')).toContainText(/^\d+ % · (about .+|under a second) left$/);
  await page.getByRole('button', { name: 'Pause' }).click();
  await waitForStatus(page, /^paused$/);
  // The step a pause stops at is final once its checkpoint is stored.
  await expect
    .poll(async () => {
      const shown = await page.getByTestId('step-count').textContent();
      return `step ${shown}` === (await page.getByTestId('saved-step').textContent());
    })
    .toBe(true);
  const paused = Number(await page.getByTestId('step-count').textContent());
  await page.waitForTimeout(500);
  await expect(page.getByTestId('step-count')).toHaveText(String(paused));
  await page.getByTestId('step').click();
  await expect(page.getByTestId('step-count')).toHaveText(String(paused + 1));

  await setField(page, 'seed', '7');
  await newRun(page);
  await expect(page.getByTestId('step-count')).toHaveText('0');
  await expect(page.getByTestId('run-status')).toContainText('seed 7');
  // A refused edit is explained and changes nothing.
  await setField(page, 'seed', '-1');
  await expect(page.getByTestId('seed')).toHaveValue('7');
  // Text that is no number at all says so too, instead of reverting silently.
  await setField(page, 'epochs', 'abc');
  await expect(page.getByTestId('field-error').filter({ hasText: "'abc' is not a number" })).toBeVisible();
  await expect(page.getByTestId('epochs')).not.toHaveValue('abc');
});

test('without --enable-unsafe-webgpu the page says why and trains on the CPU engine', async ({ baseURL }) => {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: BASE_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(baseURL ?? '/');
    await expect(page.getByTestId('engine-info')).toHaveAttribute('data-gpu', /^(no-api|no-adapter|error)$/);
    await expect(page.getByTestId('gpu-summary')).toContainText('unavailable');
    await waitForStatus(page, /^ready$/);
    await expect(page.getByTestId('engine-in-use')).toHaveAttribute('data-engine', 'cpu');
    await expect(page.getByTestId('engine-notice')).toContainText('Training on the CPU');
    await trainToTheEnd(page);
    await expectToyTrained(page);
    await page.screenshot({ path: 'test-results/start-page-no-webgpu.png', fullPage: true });
    // Forcing the GPU engine here: one state and one message, nothing left of the previous run.
    await page.getByTestId('engine-choice').selectOption('gpu');
    await page.getByTestId('reset').click();
    await waitForStatus(page, /^error$/);
    await expect(page.getByTestId('run-status')).toHaveText('The run could not be opened.');
    await expect(page.getByTestId('run-error')).toHaveCount(1);
    await expect(page.getByTestId('run-error')).toContainText('cannot train on the GPU engine');
    await expect(page.getByTestId('engine-notice')).toHaveCount(0);
    await expect(page.getByTestId('run-notice')).toHaveCount(0);
    await expect(page.locator('.activity')).toHaveCount(0);
    await expect(page.getByRole('alert')).toHaveCount(1);
  } finally {
    await browser.close();
  }
});

import { expect, test, type Page } from '@playwright/test';
import { newRun, setField, trainToTheEnd, waitForStatus } from './helpers.ts';

/** Trains 'patterns' (seed 7, 6 epochs) on the CPU engine; returns the engine line and each epoch's loss. */
async function trainPatterns(page: Page): Promise<{ engine: string; losses: number[] }> {
  await waitForStatus(page, /^(ready|done)$/);
  await page.getByTestId('preset').selectOption('patterns');
  await waitForStatus(page, /^ready$/);
  await setField(page, 'seed', '7');
  await setField(page, 'epochs', '6');
  await page.getByTestId('engine-choice').selectOption('cpu');
  await newRun(page);
  const engine = page.getByTestId('engine-in-use');
  await expect(engine).toHaveAttribute('data-engine', 'cpu');
  await page.getByLabel('Steps/s').selectOption({ label: 'max' });
  await trainToTheEnd(page);
  const losses = (await page.getByTestId('loss-value').getAttribute('data-epoch-losses')) ?? '';
  return { engine: (await engine.textContent()) ?? '', losses: losses.split(' ').map(Number) };
}

test('the CPU engine trains on 2 Workers sharing memory with WebAssembly SIMD; a reload, and Workers sent copies where the page is not cross-origin isolated, repeat the loss trajectory of the same seed exactly', async ({
  page,
}) => {
  // The page tells the training Worker how many threads to use: pin it to 2, whatever this
  // machine has.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 });
  });
  await page.goto('/');
  // The server sends COOP and COEP (vite.config.ts): the page may share memory with its Workers.
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
  const first = await trainPatterns(page);
  expect(first.engine).toContain('2 threads');
  expect(first.engine).toContain('WebAssembly SIMD');
  // Each Worker steps its slice of the parameters and moments (the split optimiser step).
  expect(first.engine).toContain('in Workers sharing memory, optimiser step split over them');
  expect(first.losses).toHaveLength(6);
  expect(first.losses.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
  // It trained: the last epoch's loss is below the first's (the first 30 or so steps barely move it).
  expect(first.losses[5]!).toBeLessThan(first.losses[0]!);

  await page.reload();
  const second = await trainPatterns(page);
  // Bit for bit: the same split over the same 2 threads, the same order of sums.
  expect(second.losses).toEqual(first.losses);

  // A host that sends no isolation headers: no shared memory, the Workers get copies.
  await page.route('**/*', async (route) => {
    const response = await route.fetch();
    const headers = { ...response.headers() };
    delete headers['cross-origin-opener-policy'];
    delete headers['cross-origin-embedder-policy'];
    await route.fulfill({ response, headers });
  });
  await page.reload();
  expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
  const copied = await trainPatterns(page);
  expect(copied.engine).toContain('2 threads');
  expect(copied.engine).not.toContain('sharing memory');
  expect(copied.engine).not.toContain('split');
  expect(copied.losses).toEqual(first.losses);
});

import { expect, test } from '@playwright/test';
import { newRun, setField, trainToTheEnd, waitForStatus } from './helpers.ts';

test('the CPU engine trains on 2 Workers with WebAssembly SIMD, and a reload repeats the loss trajectory of the same seed exactly', async ({
  page,
}) => {
  // The page tells the training Worker how many threads to use: pin it to 2, whatever this
  // machine has.
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 });
  });
  const trajectories: number[][] = [];
  for (let attempt = 0; attempt < 2; attempt++) {
    if (attempt === 0) await page.goto('/');
    else await page.reload();
    await waitForStatus(page, /^(ready|done)$/);
    await page.getByTestId('preset').selectOption('patterns');
    await waitForStatus(page, /^ready$/);
    await setField(page, 'seed', '7');
    await setField(page, 'epochs', '6');
    await page.getByTestId('engine-choice').selectOption('cpu');
    await newRun(page);
    const engine = page.getByTestId('engine-in-use');
    await expect(engine).toHaveAttribute('data-engine', 'cpu');
    await expect(engine).toContainText('2 threads');
    await expect(engine).toContainText('WebAssembly SIMD');
    await page.getByLabel('Steps/s').selectOption({ label: 'max' });
    await trainToTheEnd(page);
    const losses = (await page.getByTestId('loss-value').getAttribute('data-epoch-losses')) ?? '';
    trajectories.push(losses.split(' ').map(Number));
  }
  const [first, second] = trajectories as [number[], number[]];
  expect(first).toHaveLength(6);
  expect(first.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
  // It trained: the last epoch's loss is below the first's (the first 30 or so steps barely move it).
  expect(first[5]!).toBeLessThan(first[0]!);
  // Bit for bit: the same split over the same 2 threads, the same order of sums.
  expect(second).toEqual(first);
});

import { expect, test, type Page } from '@playwright/test';
import { newRun, openPresetSettings, reopenFromShareLink, setField } from './helpers.ts';

/** The per-layer active-synapse counts the views show, as numbers. */
async function activeCounts(page: Page): Promise<number[]> {
  const attr = await page.getByTestId('active-synapses').getAttribute('data-active');
  return (attr ?? '').split(' ').map(Number);
}

/**
 * One look at the views while training: the counts must still be `start`; returns the line's
 * text and whether it reports a regrown synapse since the run was opened.
 */
async function watchStructure(page: Page, start: number[]): Promise<{ text: string; regrown: boolean }> {
  expect(await activeCounts(page)).toEqual(start);
  const text = (await page.getByTestId('active-synapses').textContent()) ?? '';
  return { text, regrown: /[1-9]\d* regrown since opened/.test(text) };
}

test('a rewired (sparse) network trains; its active-synapse count stays fixed while synapses are pruned and regrown', async ({
  page,
}) => {
  await openPresetSettings(page, 'yinyang-rewired');
  await expect(page.getByTestId('structure')).toHaveValue('gradient');
  await expect(page.getByTestId('active-fraction')).toHaveValue('0.25');
  await setField(page, 'epochs', '2');
  await newRun(page);
  await expect(page.getByTestId('active-synapses')).toContainText('layer 1:');
  const start = await activeCounts(page);
  // Exactly a quarter of 5 x 64 and of 64 x 3 synapses.
  expect(start).toEqual([80, 48]);
  await page.getByLabel('Steps/s').selectOption({ label: '30' });
  await page.getByRole('button', { name: 'Play' }).click();
  const seen = new Set<string>();
  let regrowth = false;
  await expect
    .poll(
      async () => {
        const look = await watchStructure(page, start);
        seen.add(look.text);
        regrowth ||= look.regrown;
        return Number(await page.getByTestId('step-count').textContent());
      },
      { timeout: 90_000 },
    )
    .toBeGreaterThan(60);
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(await activeCounts(page)).toEqual(start);
  expect(seen.size, 'the line followed the training').toBeGreaterThan(1);
  expect(regrowth, 'some step pruned and regrew synapses').toBe(true);
  // The chosen output neuron's receptive field and its Moran's I, live.
  const moran = (await page.getByTestId('output-field-morans').textContent()) ?? '';
  const value = Number(/Moran’s I (-?\d\.\d{4})/.exec(moran)?.[1]);
  expect(Math.abs(value), moran).toBeLessThanOrEqual(1);
  // Every output's Moran's I against the untrained network's, with Mann-Whitney U and p.
  await page.getByTestId('compare-fields').click();
  const comparison = page.getByTestId('field-comparison');
  await expect(comparison).toHaveAttribute('data-u', /^\d+(\.5)?$/, { timeout: 60_000 });
  await expect(comparison).toHaveAttribute('data-trained', '3');
  const u = Number(await comparison.getAttribute('data-u'));
  const p = Number(await comparison.getAttribute('data-p'));
  expect(u).toBeGreaterThanOrEqual(0);
  expect(u).toBeLessThanOrEqual(9);
  expect(p).toBeGreaterThan(0);
  expect(p).toBeLessThanOrEqual(1);
  await expect(comparison.getByTestId('field-comparison-u')).toHaveText(`U = ${u}`);
  await expect(comparison.locator('circle.strip-dot.trained')).toHaveCount(3);
  await expect(comparison.locator('circle.strip-dot.untrained')).toHaveCount(3);
  await page.screenshot({ path: 'test-results/rewiring.png', fullPage: true });
});

test('the structure choice turns rewiring on for every layer and travels in a share link', async ({
  page,
  browser,
}) => {
  await openPresetSettings(page, 'patterns');
  await page.getByTestId('structure').selectOption('random');
  await expect(page.getByTestId('active-fraction')).toHaveValue('0.25');
  const { other, context } = await reopenFromShareLink(page, browser, /rewiring/);
  await expect(other.getByTestId('structure')).toHaveValue('random');
  await context.close();
});

test('a compact rewired layer (93.75 % sparse, RigL) trains on 2 Workers; its count stays fixed while it rewires', async ({
  page,
}) => {
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => 2 });
  });
  await openPresetSettings(page, 'yinyang');
  await page.getByTestId('structure').selectOption('gradient');
  // 1/16 of 5 x 64 and 64 x 3: 20 and 12 synapses, both layers stored compactly.
  await setField(page, 'active-fraction', '0.0625');
  await setField(page, 'epochs', '2');
  await page.getByTestId('engine-choice').selectOption('cpu');
  await newRun(page);
  await expect(page.getByTestId('engine-in-use')).toContainText('2 threads');
  await expect(page.getByTestId('active-synapses')).toContainText('layer 1:');
  const start = await activeCounts(page);
  expect(start).toEqual([20, 12]);
  await page.getByLabel('Steps/s').selectOption({ label: 'max' });
  await page.getByRole('button', { name: 'Play' }).click();
  let regrowth = false;
  await expect
    .poll(
      // Until a synapse has regrown (at this sparsity the net barely spikes: it takes a while).
      async () => (regrowth ||= (await watchStructure(page, start)).regrown),
      { timeout: 90_000 },
    )
    .toBe(true);
  await page.getByRole('button', { name: 'Pause' }).click();
  expect(await activeCounts(page)).toEqual(start);
  // Paused, not failed: the gradient Worker kept up with the rewired structure.
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'paused');
});

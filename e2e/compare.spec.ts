import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { newRun, setField, trainToTheEnd, waitForStatus } from './helpers.ts';

test('two stored runs compare: overlaid curves and delays, a per-run and a mean ± sd table, and their metrics as CSV', async ({
  page,
}) => {
  await page.goto('/');
  await waitForStatus(page, /^ready$/);
  await page.getByTestId('preset').selectOption('patterns');
  await waitForStatus(page, /^ready$/);
  await page.getByTestId('engine-choice').selectOption('cpu');
  await setField(page, 'epochs', '2');
  await page.getByLabel('Steps/s').selectOption({ label: 'max' });
  for (const seed of ['1', '2']) {
    await setField(page, 'seed', seed);
    await newRun(page);
    await trainToTheEnd(page);
  }
  const rows = page.getByTestId('run-row');
  await expect(rows).toHaveCount(2);
  await expect(page.getByTestId('run-comparison')).toHaveCount(0);
  for (let k = 0; k < 2; k++) await rows.nth(k).getByTestId('compare-run').check();

  const comparison = page.getByTestId('run-comparison');
  await expect(comparison).toBeVisible();
  // Both runs' delays are read from their checkpoints and drawn with their curves.
  await expect(page.getByTestId('comparison-chart')).toHaveAttribute(
    'aria-label',
    'Compared runs: 2 runs, 2 with delays',
  );
  // Validation accuracy, training loss and delays: one line per run on each of the three panels.
  await expect(page.locator('[data-testid="comparison-chart"] path.run-line')).toHaveCount(6);
  await expect(page.getByTestId('comparison-runs').locator('tbody tr')).toHaveCount(2);
  const group = page.getByTestId('comparison-groups').locator('tbody tr');
  await expect(group).toHaveCount(1);
  await expect(group).toContainText(/1, 2|2, 1/);
  await expect(group).toContainText('±');
  await expect(group).toContainText('(2)');

  const [file] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('comparison-csv').click(),
  ]);
  expect(file.suggestedFilename()).toBe('compared-runs.csv');
  const lines = (await readFile(await file.path(), 'utf8')).trim().split('\n');
  expect(lines[0]).toMatch(/^run,seed,epoch,train_loss,/);
  // Two runs of two epochs.
  expect(lines).toHaveLength(5);
  expect(lines.filter((l) => /,1,1,/.test(l) || /,2,1,/.test(l))).toHaveLength(2);

  // Unticking one leaves nothing to compare.
  await rows.nth(0).getByTestId('compare-run').uncheck();
  await expect(page.getByTestId('run-comparison')).toHaveCount(0);
});

import { expect, test } from '@playwright/test';
import {
  newRun,
  openPresetSettings,
  readPercent,
  reopenFromShareLink,
  setField,
  trainToTheEnd,
  waitForStatus,
} from './helpers.ts';

/** The views an EventProp run on Yin-Yang draws (test ids of the chart hosts). */
const VIEWS = ['raster-chart', 'trace-chart', 'hidden-trace-chart', 'delay-histogram', 'weight-histogram'];

test('EventProp trains eventprop-yinyang in the playground; rasters, traces and delay histograms follow the training', async ({
  page,
}) => {
  await page.goto('/');
  await waitForStatus(page, /^ready$/);
  await page.getByTestId('preset').selectOption('eventprop-yinyang');
  await waitForStatus(page, /^ready$/);
  await expect(page.getByTestId('method')).toHaveValue('eventprop');
  await expect(page.getByTestId('eventprop-loss')).toHaveValue('firstSpike');
  await setField(page, 'epochs', '1');
  await newRun(page);
  // The GPU engine trains BPTT only: EventProp runs on the CPU engine, which says so.
  await expect(page.getByTestId('engine-in-use')).toHaveAttribute('data-engine', 'cpu');
  await expect(page.getByTestId('engine-in-use')).toContainText('EventProp, exact simulation');
  for (const id of VIEWS) await expect(page.getByTestId(id), id).toHaveAttribute('data-drawn', 'true');
  const delaysBefore = await page.getByTestId('delay-histogram').innerHTML();
  const rasterBefore = await page.getByTestId('raster-chart').innerHTML();
  await page.getByLabel('Steps/s').selectOption({ label: 'max' });
  await trainToTheEnd(page);
  // One epoch of 4,500 points: far above chance (1/3).
  expect(await readPercent(page, 'validation-accuracy')).toBeGreaterThan(0.7);
  await expect(page.getByTestId('learning-chart')).toHaveAttribute('data-drawn', 'true');
  // The delays learned: their histogram changed; the raster shows the trained network's spikes.
  expect(await page.getByTestId('delay-histogram').innerHTML()).not.toBe(delaysBefore);
  expect(await page.getByTestId('raster-chart').innerHTML()).not.toBe(rasterBefore);
  await page.screenshot({ path: 'test-results/eventprop-yinyang.png', fullPage: true });
});

test('the gradient method is an editable field that a share link carries', async ({ page, browser }) => {
  await openPresetSettings(page, 'patterns');
  await page.getByTestId('method').selectOption('eventprop');
  // patterns reads a non-spiking readout: EventProp's voltage loss goes with it.
  await expect(page.getByTestId('eventprop-loss')).toHaveValue('voltageSum');
  await page.getByTestId('eventprop-loss').selectOption('voltageMax');
  const { other, context } = await reopenFromShareLink(page, browser, /training\.method=eventprop/);
  await expect(other.getByTestId('method')).toHaveValue('eventprop');
  await expect(other.getByTestId('eventprop-loss')).toHaveValue('voltageMax');
  await context.close();
});

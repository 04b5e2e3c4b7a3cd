import { expect, test } from '@playwright/test';
import { openPresetSettings } from './helpers.ts';

test('a hardware target warns while the delays are configured beyond it, and stops once they fit', async ({
  page,
}) => {
  await openPresetSettings(page, 'toy'); // Td 50
  await expect(page.getByTestId('hardware-warnings')).toHaveCount(0);
  await page.getByTestId('hardware-target').selectOption('spinnaker');
  await expect(page.getByTestId('hardware-warnings')).toContainText(
    'layer 0: delays reach Td - 1 = 49 steps (49 ms), SpiNNaker holds 0 to 15',
  );
  await page.getByTestId('hardware-target').selectOption('loihi2');
  await expect(page.getByTestId('hardware-warnings')).toHaveCount(0);
  await page.getByTestId('hardware-target').selectOption('spinnaker');
  const td = page.getByLabel('Max delay Td');
  await td.fill('16');
  await td.press('Enter');
  await expect(page.getByTestId('hardware-warnings')).toHaveCount(0);
});

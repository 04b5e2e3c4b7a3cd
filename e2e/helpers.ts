import { expect, type Page } from '@playwright/test';

/** Waits until the run's status is one of `statuses` (data-status of the status line). */
export async function waitForStatus(page: Page, statuses: RegExp, timeout = 120_000): Promise<void> {
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', statuses, { timeout });
}

/** Opens the settings (the experiment editor) where they are closed. */
export async function openSettings(page: Page): Promise<void> {
  const details = page.locator('details.settings');
  if (!(await details.evaluate((d) => (d as HTMLDetailsElement).open)))
    await details.locator('summary').click();
}

/** Opens the settings and sets a field (committed with Enter, as a keyboard user would). */
export async function setField(page: Page, testId: string, value: string): Promise<void> {
  await openSettings(page);
  const field = page.getByTestId(testId);
  await field.fill(value);
  await field.press('Enter');
}

/** Starts a new run from the edited settings and waits until it is ready to train. */
export async function newRun(page: Page): Promise<void> {
  await page.getByTestId('reset').click();
  await waitForStatus(page, /^ready$/);
}

/** Presses Play and waits until every step of the run is done. */
export async function trainToTheEnd(page: Page, timeout = 180_000): Promise<void> {
  await page.getByRole('button', { name: 'Play' }).click();
  await waitForStatus(page, /^done$/, timeout);
}

/** A small built-in MNIST run: 32 hidden neurons, 600 training and 200 test digits, one epoch. */
export async function smallMnist(page: Page): Promise<void> {
  await page.getByTestId('preset').selectOption('mnist-small');
  await waitForStatus(page, /^ready$/);
  await setField(page, 'hidden-sizes', '32');
  await setField(page, 'train-limit', '600');
  await setField(page, 'test-limit', '200');
  await setField(page, 'epochs', '1');
  await newRun(page);
}

/** Fraction shown as "12.3 %" -> 0.123 (NaN for "—"). */
export async function readPercent(page: Page, testId: string): Promise<number> {
  const text = (await page.getByTestId(testId).textContent()) ?? '';
  return Number(text.replace('%', '').trim()) / 100;
}

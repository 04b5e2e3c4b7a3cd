import { expect, type Browser, type BrowserContext, type Page } from '@playwright/test';

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

/** Opens the page on a preset (ready) with its settings open. */
export async function openPresetSettings(page: Page, name: string): Promise<void> {
  await page.goto('/');
  await waitForStatus(page, /^ready$/);
  await page.getByTestId('preset').selectOption(name);
  await waitForStatus(page, /^ready$/);
  await openSettings(page);
}

/**
 * Copies the share link (expecting it to match `pattern`) and opens it in a fresh browser context,
 * ready, with no link messages and its settings open; close the returned context when done.
 */
export async function reopenFromShareLink(
  page: Page,
  browser: Browser,
  pattern: RegExp,
): Promise<{ other: Page; context: BrowserContext }> {
  await page.getByTestId('copy-link').click();
  await expect(page.getByTestId('share-link')).toHaveValue(pattern);
  const link = await page.getByTestId('share-link').inputValue();
  const context = await browser.newContext();
  const other = await context.newPage();
  await other.goto(link);
  await waitForStatus(other, /^ready$/);
  await expect(other.getByTestId('link-messages')).toHaveCount(0);
  await openSettings(other);
  return { other, context };
}

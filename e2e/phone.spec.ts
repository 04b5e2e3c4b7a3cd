import { expect, test, type Page } from '@playwright/test';
import { waitForStatus } from './helpers.ts';

test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

/** Whether the page is wider than the screen, and what sticks out (for the failure message). */
async function overflow(page: Page): Promise<{ scrollWidth: number; innerWidth: number; wide: string[] }> {
  return page.evaluate(() => {
    const w = window.innerWidth;
    const wide: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      const parent = el.parentElement?.getBoundingClientRect();
      // Only the outermost element that sticks out (a table inside a scrolling box does not).
      if (r.width > 0 && r.right > w + 1 && !(parent && parent.right > w + 1))
        wide.push(`${el.tagName.toLowerCase()}.${[...el.classList].join('.')} (${Math.round(r.right)} px)`);
    }
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: w, wide };
  });
}

test('on a 390 x 844 phone nothing is wider than the screen, with every view drawn and every panel open; the views come right after the run', async ({
  page,
}) => {
  await page.goto('/');
  await waitForStatus(page, /^ready$/);
  for (const name of ['toy', 'mnist-small']) {
    await page.getByTestId('preset').selectOption(name);
    await waitForStatus(page, /^ready$/);
    // Two steps and a test evaluation: every view of the run has data (confusion matrix, samples).
    for (let k = 0; k < 2; k++) {
      await page.getByTestId('step').click();
      await expect(page.getByTestId('step-count')).toHaveText(String(k + 1));
    }
    await page.getByTestId('evaluate').click();
    await expect(page.getByTestId('evaluated')).toContainText('step 2');
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = true)));
    const drawn = page.locator('.chart-host[data-drawn="true"]');
    await expect(drawn.first()).toBeVisible();
    const found = await overflow(page);
    expect(found.scrollWidth, `${name}: ${found.wide.join(', ')}`).toBeLessThanOrEqual(found.innerWidth);
    if (name === 'mnist-small') expect(await drawn.count()).toBeGreaterThanOrEqual(10);
    // The first chart starts within about one screen of the top of the page, not three.
    const firstChart = await page
      .locator('.chart-host')
      .first()
      .evaluate((el) => el.getBoundingClientRect().top + window.scrollY);
    expect(firstChart).toBeLessThan(1.2 * 844);
    await page.evaluate(() => document.querySelectorAll('details').forEach((d) => (d.open = false)));
  }
});

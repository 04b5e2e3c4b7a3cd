import { expect, test, type Page } from '@playwright/test';
import { openSettings, waitForStatus } from './helpers.ts';

/** The live views shown, by id, and which side panels are there. */
async function visibleParts(page: Page): Promise<{ views: string[]; panels: string[] }> {
  await expect(page.locator('.view-grid figure').first()).toBeVisible();
  const views = await page
    .locator('.view-grid [data-testid]')
    .evaluateAll((nodes) =>
      nodes
        .map((n) => n.getAttribute('data-testid')!)
        .filter((id) => id.endsWith('-chart') || id.includes('field') || id.includes('histogram')),
    );
  const panels = await page.locator('.side h2').allTextContents();
  return { views: [...new Set(views)].sort(), panels };
}

test('a classroom link hides what it says and nothing else, fixes the chosen settings, survives a reload, and can be left', async ({
  page,
  browser,
}) => {
  await page.goto('./');
  await waitForStatus(page, /^(ready|paused)$/);
  const full = await visibleParts(page);
  expect(full.views).toContain('raster-chart');
  expect(full.panels).toEqual(expect.arrayContaining(['Runs', 'Data sets', 'Engines']));
  // The teacher's dialog: hide three panels and one view, fix the epochs.
  await page.getByTestId('make-classroom-link').click();
  for (const id of ['hide-runs', 'hide-datasets', 'hide-engine', 'hide-raster-chart', 'fix-training.epochs'])
    await page.getByTestId(id).check();
  const link = await page.getByTestId('classroom-link').inputValue();
  expect(link).toMatch(/#hide=runs,datasets,engine,raster-chart&fix=training\.epochs&x=/);
  await page.getByTestId('close-classroom-dialog').click();

  const context = await browser.newContext();
  const student = await context.newPage();
  await student.goto(link);
  await waitForStatus(student, /^ready$/);
  await expect(student.getByTestId('classroom-banner')).toContainText('4 parts hidden, 1 setting fixed');
  const shown = await visibleParts(student);
  // Exactly the hidden ones are gone.
  expect(shown.views).toEqual(full.views.filter((v) => v !== 'raster-chart'));
  expect(shown.panels).toEqual(full.panels.filter((p) => !['Runs', 'Data sets', 'Engines'].includes(p)));
  await openSettings(student);
  await expect(student.getByTestId('epochs')).toBeDisabled();
  await expect(student.getByTestId('seed')).toBeEnabled();
  await expect(student.locator('[data-fixed]')).toHaveCount(1);
  // The run trains as usual.
  await student.getByTestId('step').click();
  await expect(student.getByTestId('step-count')).toHaveText('1');
  // A reload keeps the classroom.
  await student.reload();
  await waitForStatus(student, /^(ready|paused)$/);
  await expect(student.getByTestId('classroom-banner')).toBeVisible();
  expect((await visibleParts(student)).views).not.toContain('raster-chart');
  await student.screenshot({ path: 'test-results/classroom.png', fullPage: true });
  // And a student can always go back to everything.
  await student.getByTestId('leave-classroom').click();
  await expect(student.getByTestId('classroom-banner')).toHaveCount(0);
  expect(await visibleParts(student)).toEqual(full);
  await expect(student).not.toHaveURL(/hide=/);
  await context.close();
});

import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { expect, test, type Page } from '@playwright/test';

/**
 * The "Data sets" panel against real IndexedDB in Chromium: the built-in digits, URL downloads
 * from a local server (progress, cancel, HTTP errors), corrupt uploads and deletion. Every test
 * gets a fresh browser context, so it starts from empty storage.
 */

const MNIST_NAMES = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
} as const;

/** IDX bytes (unsigned byte type), header written by hand: 00 00 08 <ndims>, big-endian dims. */
function idx(dims: readonly number[], data: Uint8Array): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = dims.length;
  dims.forEach((n, d) => header.writeUInt32BE(n, 4 + 4 * d));
  return Buffer.concat([header, data]);
}

/** A small deterministic generator (the images need not be pretty, only reproducible). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
}

/** Fashion-like 28x28 images: a bright blob on a dark, noisy background; labels 0..9. */
function imageSet(
  count: number,
  seed: number,
  firstLabels: readonly number[] = [],
): { images: Buffer; labels: Buffer } {
  const next = lcg(seed);
  const pixels = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let s = 0; s < count; s++) {
    labels[s] = firstLabels[s] ?? s % 10;
    const cx = 8 + (next() % 12);
    const cy = 8 + (next() % 12);
    const r = 4 + labels[s]!;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
        pixels[s * 784 + y * 28 + x] = inside ? 160 + (next() % 96) : next() % 40;
      }
    }
  }
  return { images: idx([count, 28, 28], pixels), labels: idx([count], labels) };
}

/** The four MNIST-named files of a generated data set, gzip-compressed. */
function mnistFolder(train: number, test: number): Map<string, Buffer> {
  const tr = imageSet(train, 1);
  const te = imageSet(test, 2);
  return new Map([
    [MNIST_NAMES.trainImages, gzipSync(tr.images)],
    [MNIST_NAMES.trainLabels, gzipSync(tr.labels)],
    [MNIST_NAMES.testImages, gzipSync(te.images)],
    [MNIST_NAMES.testLabels, gzipSync(te.labels)],
  ]);
}

interface DataServer {
  origin: string;
  close: () => Promise<void>;
}

/**
 * Serves `files` under /fashion/ (64 KB every 50 ms) and /slow/ (8 KB every 250 ms), with CORS
 * and Content-Length, so the page sees the downloads' progress; anything else is a 404.
 */
async function startDataServer(files: Map<string, Buffer>): Promise<DataServer> {
  const stream = (res: ServerResponse, body: Buffer, chunk: number, everyMs: number): void => {
    res.writeHead(200, {
      'Access-Control-Allow-Origin': '*',
      'Content-Type': 'application/gzip',
      'Content-Length': String(body.length),
      'Cache-Control': 'no-store',
    });
    let at = 0;
    const timer = setInterval(() => {
      res.write(body.subarray(at, at + chunk));
      at += chunk;
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, everyMs);
    res.on('close', () => clearInterval(timer));
  };
  const server: Server = createServer((req, res) => {
    const match = /^\/(fashion|slow)\/([^/?]+)$/.exec(req.url ?? '');
    const body = match ? files.get(match[2]!) : undefined;
    if (!match || !body) {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (match[1] === 'fashion') stream(res, body, 64 * 1024, 50);
    else stream(res, body, 8 * 1024, 250);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Drops an image set's two IDX files (`<prefix>-images-idx3-ubyte`, `-labels-`) onto the panel, as from a file manager. */
async function dropImageSet(
  page: Page,
  files: { images: Buffer; labels: Buffer },
  prefix: string,
): Promise<void> {
  const dataTransfer = await page.evaluateHandle(
    ([images, labels, name]) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(images)], `${name}-images-idx3-ubyte`));
      dt.items.add(new File([new Uint8Array(labels)], `${name}-labels-idx1-ubyte`));
      return dt;
    },
    [Array.from(files.images), Array.from(files.labels), prefix] as const,
  );
  await page.getByTestId('datasets-panel').dispatchEvent('drop', { dataTransfer });
}

function row(page: Page, name: string) {
  return page.getByRole('row').filter({ has: page.getByRole('rowheader').getByText(name, { exact: true }) });
}

const dataRows = (page: Page) => page.locator('table.datasets-table tbody tr');

/** Keys in the app's IndexedDB store (idb-keyval: database 'delaylab', store 'keyval'). */
function storedKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('delaylab');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const request = db.transaction('keyval', 'readonly').objectStore('keyval').getAllKeys();
          request.onerror = () => reject(request.error);
          request.onsuccess = () => {
            resolve(request.result.map(String));
            db.close();
          };
        };
      }),
  );
}

/** Counts the preview canvas's dark (ink) and light pixels: a blank canvas has no ink. */
async function previewInk(
  page: Page,
): Promise<{ width: number; dark: number; light: number; distinct: number }> {
  const canvas = page.getByTestId('dataset-preview').locator('canvas');
  await expect(canvas).toBeVisible();
  return canvas.evaluate((el) => {
    const c = el as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let dark = 0;
    let light = 0;
    const distinct = new Set<number>();
    for (let q = 0; q < data.length; q += 4) {
      if (data[q]! < 100) dark++;
      if (data[q]! > 200) light++;
      distinct.add(data[q]!);
    }
    return { width: c.width, dark, light, distinct: distinct.size };
  });
}

async function expectPreviewDrawn(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: `Preview ${name}` }).click();
  const figure = page.getByTestId('dataset-preview');
  await expect(figure.getByRole('heading', { name: `Preview: ${name}` })).toBeVisible();
  await expect(figure.getByRole('img')).toHaveAttribute('aria-label', /labels \d+(, \d+){15}$/);
  const ink = await previewInk(page);
  expect(ink.width).toBeGreaterThan(100);
  expect(ink.dark).toBeGreaterThan(500);
  expect(ink.light).toBeGreaterThan(500);
  expect(ink.distinct).toBeGreaterThan(20);
}

async function openPanel(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Data sets', level: 2 })).toBeVisible();
}

test('built-in MNIST is stored in IndexedDB and survives a reload without re-parsing', async ({
  page,
  context,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const requests: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  await openPanel(page);
  await expect(page.getByTestId('datasets-empty')).toBeVisible();

  await page.getByRole('button', { name: 'Add built-in MNIST (10,000 digits)' }).click();
  const digits = row(page, 'mnist-10k');
  // Either the row or an error: fail at once, with the message, on an error.
  await expect(digits.or(page.getByRole('alert'))).toBeVisible({ timeout: 60_000 });
  expect(await page.getByRole('alert').allTextContents()).toEqual([]);
  await expect(digits.getByRole('cell').nth(0)).toHaveText('8,000 / 2,000');
  await expect(digits.getByRole('cell').nth(1)).toHaveText('10');
  await expect(digits.getByRole('rowheader')).toContainText('28x28 images');
  await expect(digits.getByRole('rowheader')).toContainText('built-in');
  await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toHaveText(
    /^Saved 'mnist-10k' \(10,000 samples, \d+\.\d MB\)$/,
  );
  // The detector below would see these requests: the first load did fetch the assets.
  expect(requests.some((u) => u.includes('data/mnist-10k'))).toBe(true);

  requests.length = 0;
  await page.reload();
  await expect(row(page, 'mnist-10k')).toBeVisible();
  await expect(row(page, 'mnist-10k').getByRole('cell').nth(0)).toHaveText('8,000 / 2,000');
  // From here on the preview reads the browser's storage only: no network at all.
  await context.setOffline(true);
  await expectPreviewDrawn(page, 'mnist-10k');
  await context.setOffline(false);
  await page.getByTestId('datasets-panel').screenshot({ path: 'test-results/datasets-preview.png' });
  expect(requests.filter((u) => u.includes('data/mnist-10k'))).toEqual([]);
  expect(await dataRows(page).count()).toBe(1);
  expect(errors).toEqual([]);
});

test('a URL load shows progress and completes', async ({ page }) => {
  const server = await startDataServer(mnistFolder(3000, 500));
  try {
    await openPanel(page);
    const url = page.getByRole('textbox', { name: 'URL' });
    const download = page.getByRole('button', { name: 'Download' });
    await url.fill(`${server.origin}/fashion/`);
    await download.click();

    // A determinate progress bar somewhere strictly between empty and full, while downloading.
    const progress = page.getByRole('progressbar');
    await expect
      .poll(
        async () => {
          const p = await progress
            .evaluate((el) => {
              const bar = el as HTMLProgressElement;
              return { value: bar.value, max: bar.max, determinate: bar.position >= 0 };
            })
            .catch(() => null);
          return p !== null && p.determinate && p.value > 0 && p.value < p.max;
        },
        { intervals: [50], timeout: 30_000 },
      )
      .toBe(true);
    await expect(page.locator('.dataset-job')).toContainText(
      /Downloading train-images-idx3-ubyte\.gz \(1 of 4\): \d/,
    );
    await expect(page.getByRole('button', { name: 'Cancel' })).toBeVisible();

    const fashion = row(page, 'fashion');
    await expect(fashion).toBeVisible({ timeout: 60_000 });
    await expect(fashion.getByRole('cell').nth(0)).toHaveText('3,000 / 500');
    await expect(fashion.getByRole('cell').nth(1)).toHaveText('10');
    await expect(fashion.getByRole('rowheader')).toContainText(`${server.origin}/fashion/`);
    await expect(progress).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'Saved' })).toContainText(
      "Saved 'fashion' (3,500 samples",
    );

    // Cancel a second, slow download: nothing is saved.
    await url.fill(`${server.origin}/slow/`);
    await download.click();
    await expect
      .poll(async () => (await progress.getAttribute('value').catch(() => null)) ?? '0', { intervals: [100] })
      .not.toBe('0');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByTestId('dataset-message')).toHaveAttribute('role', 'status');
    await expect(page.getByTestId('dataset-message')).toContainText(/cancelled/i);
    await expect(page.getByTestId('dataset-message')).toContainText('nothing was saved');
    await expect(progress).toHaveCount(0);
    await expect(dataRows(page)).toHaveCount(1);

    // A missing folder: the server's refusal is shown.
    await url.fill(`${server.origin}/missing/`);
    await download.click();
    await expect(page.getByRole('alert')).toContainText(
      `refused ${server.origin}/missing/train-images-idx3-ubyte.gz: HTTP 404`,
    );
    await expect(dataRows(page)).toHaveCount(1);
    await page.reload();
    await expect(dataRows(page)).toHaveCount(1);
    await expect(row(page, 'fashion')).toBeVisible();
  } finally {
    await server.close();
  }
});

test('a corrupt upload shows the message and leaves stored data intact', async ({ page }) => {
  await openPanel(page);
  const input = page.getByLabel(/^Files:/);
  const good = imageSet(200, 3);
  await input.setInputFiles([
    { name: 'tiny-train-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: good.images },
    { name: 'tiny-train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: good.labels },
  ]);
  await expect(row(page, 'tiny')).toBeVisible();
  await expect(row(page, 'tiny').getByRole('cell').nth(0)).toHaveText('200 / 0');

  const bad = imageSet(100, 4);
  await input.setInputFiles([
    {
      name: 'broken-train-images-idx3-ubyte',
      mimeType: 'application/octet-stream',
      buffer: bad.images.subarray(0, bad.images.length - 1000),
    },
    { name: 'broken-train-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: bad.labels },
  ]);
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('broken-train-images-idx3-ubyte');
  await expect(alert).toContainText('truncated');
  await expect(dataRows(page)).toHaveCount(1);
  await expect(row(page, 'tiny')).toBeVisible();

  await page.reload();
  await expect(dataRows(page)).toHaveCount(1);
  await expect(row(page, 'tiny').getByRole('cell').nth(0)).toHaveText('200 / 0');
  await expectPreviewDrawn(page, 'tiny');
});

test('deleting a data set frees it', async ({ page }) => {
  await openPanel(page);
  // Drop the files onto the panel (the drop zone), as a user dragging them from a file manager.
  await dropImageSet(page, imageSet(300, 5), 'drop-train');
  const dropped = row(page, 'drop');
  await expect(dropped).toBeVisible();
  await expect(dropped.getByRole('cell').nth(0)).toHaveText('300 / 0');
  const id = await dropped.getAttribute('data-dataset-id');
  expect(id).toBeTruthy();
  const key = `dataset:v1:${id}`;
  expect(await storedKeys(page)).toContain(key);
  const usage = await page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  expect(usage).toBeGreaterThan(0);

  // At 1280 px the whole row fits its panel: Delete is on screen, not scrolled out of sight.
  const deleteBox = (await page.getByRole('button', { name: 'Delete drop' }).boundingBox())!;
  const panelBox = (await page.getByTestId('datasets-panel').boundingBox())!;
  expect(deleteBox.x + deleteBox.width).toBeLessThanOrEqual(panelBox.x + panelBox.width);
  expect(
    await page
      .locator('table.datasets-table')
      .evaluate((t) => t.parentElement!.scrollWidth <= t.parentElement!.clientWidth),
  ).toBe(true);
  await page.getByRole('button', { name: 'Delete drop' }).click();
  await expect(dropped).toHaveCount(0);
  await expect(page.getByRole('status').filter({ hasText: 'Deleted' })).toContainText("Deleted 'drop' (");
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  expect(await storedKeys(page)).not.toContain(key);
  expect((await storedKeys(page)).filter((k) => k.startsWith('dataset:'))).toEqual([]);

  await page.reload();
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  expect(await storedKeys(page)).not.toContain(key);
});

test("Fashion-MNIST's files (named like MNIST's) are stored as 'fashion-mnist', recognised by their labels", async ({
  page,
}) => {
  await openPanel(page);
  // Fashion-MNIST's training file starts with these labels (MNIST's with 5, 0, 4, 1, ...).
  await dropImageSet(page, imageSet(200, 3, [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]), 'train');
  await expect(row(page, 'fashion-mnist')).toBeVisible();
  await expect(row(page, 'train-images')).toHaveCount(0);
});

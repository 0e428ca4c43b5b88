// page_layout.test.mjs — the demo page on a phone and as a file, in
// headless Chromium: at 390×844 the URL list, Run and the progress bar are
// on the first screen and the results read without sideways scrolling (rows
// as cards, a tap shows the whole error); results download as CSV and JSON;
// opened from file:// the page says it must be served. Needs
// /usr/bin/chromium, playwright-core and a built dist/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/server.mjs';
import { CSV_COLUMNS } from '../../page/export.mjs';
import { launchChromium, missingPrerequisite } from './lib/chromium.mjs';

const WAIT = { timeout: 30_000 };
const missing = await missingPrerequisite();
if (missing) test('the page layout tests have what they need', () => assert.fail(missing));
else
  describe('the page on a phone, and its downloads', { timeout: 120_000 }, () => {
    let server, browser;
    before(async () => {
      server = await startServer({ port: 0 });
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await server?.close();
    });

    async function open(viewport) {
      const page = await browser.newPage({ viewport, locale: 'en-US', acceptDownloads: true });
      await page.goto(server.url);
      await page.waitForSelector('#checker-status[data-state="ready"]', WAIT);
      return page;
    }

    test('at 390×844 the URL list, Run and the progress bar are on the first screen', async () => {
      const page = await open({ width: 390, height: 844 });
      for (const selector of ['#urls', '#run', '#progress']) {
        const box = await page.locator(selector).boundingBox();
        assert.ok(box && box.width > 0 && box.height > 0, `${selector} is shown`);
        assert.ok(
          box.y >= 0 && box.y + box.height <= 844 && box.x >= 0 && box.x + box.width <= 390,
          `${selector} at ${JSON.stringify(box)}`,
        );
      }
      assert.ok((await page.locator('#progress').boundingBox()).width > 200, 'the progress bar has room');
      await page.close();
    });

    test('at 390 px the results need no sideways scroll, and a tap on a card shows its whole error', async () => {
      const page = await open({ width: 390, height: 844 });
      const long = `${server.url}demo/hang?${'x'.repeat(80)}`;
      await page.fill('#urls', [`${server.url}demo/200`, long].join('\n'));
      await page.fill('#timeout', '0.5');
      await page.setChecked('#compare', false);
      await page.click('#run');
      await page.waitForFunction(() => document.querySelector('#checker-status').dataset.state === 'done', null, WAIT);
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390);
      const row = page.locator('#results-body [role="row"]').nth(1);
      // The URL is cut in the middle: its end stays in sight, the whole is its text.
      assert.equal(await row.locator('.url').textContent(), long);
      assert.ok(await row.locator('.url .tail').isVisible());
      const error = row.locator('.error');
      const oneLine = (await error.boundingBox()).height;
      await row.click();
      assert.equal(await row.getAttribute('aria-expanded'), 'true');
      assert.match(await error.textContent(), /no answer within 0\.5 s/);
      await row.focus();
      await page.keyboard.press('Enter');
      assert.equal(await row.getAttribute('aria-expanded'), 'false');
      assert.ok(oneLine > 0);
      await page.close();
    });

    test('results download as CSV and as JSON', async () => {
      const page = await open({ width: 1280, height: 800 });
      assert.equal(await page.isDisabled('#download-csv'), true, 'nothing to download before a run');
      await page.fill('#urls', [`${server.url}demo/200`, `${server.url}demo/404`, 'http://'].join('\n'));
      await page.setChecked('#compare', false);
      await page.click('#run');
      await page.waitForFunction(() => document.querySelector('#checker-status').dataset.state === 'done', null, WAIT);
      const save = async (button) => {
        const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
        return readFile(await file.path(), 'utf8');
      };
      const csv = (await save('#download-csv')).trim().split('\r\n');
      assert.equal(csv[0], CSV_COLUMNS.join(','));
      assert.equal(csv.length, 4);
      assert.match(csv[1], new RegExp(`^1,${server.url}demo/200,200,OK,true,,,,`));
      assert.match(csv[2], /^2,.*demo\/404,404,Not Found,false,/);
      assert.match(csv[3], /^3,http:\/\/,,,false,-?\d+,CORIO_EINVAL,/);
      const json = JSON.parse(await save('#download-json'));
      assert.equal(json.carrier, 'relay');
      assert.deepEqual(
        json.results.map((r) => r.status),
        [200, 404, null],
      );
      assert.equal(json.results[2].error.codeName, 'CORIO_EINVAL');
      await page.close();
    });

    test('the speed-up counts checking time only and says "slower" below 1×', async () => {
      const page = await open({ width: 1280, height: 800 });
      // One URL: the concurrent run cannot be faster; the module loaded before.
      await page.fill('#urls', `${server.url}demo/slow?ms=300`);
      await page.setChecked('#compare', true);
      await page.click('#run');
      await page.waitForFunction(() => document.querySelector('#checker-status').dataset.state === 'done', null, WAIT);
      assert.match(await page.locator('#speedup').textContent(), /^1\.0× faster$|^1\.\d× slower$/);
      assert.match(await page.locator('#checker-status').textContent(), /^Done/);
      await page.close();
    });

    test('opened from file://, the page says it must be served instead of "Loading…"', async () => {
      const page = await browser.newPage({ locale: 'en-US' });
      await page.goto(`file://${fileURLToPath(new URL('../../page/index.html', import.meta.url))}`);
      const status = page.locator('#checker-status');
      assert.equal(await status.getAttribute('data-state'), 'error');
      assert.match(await status.textContent(), /must be served.*npm start/);
      await page.close();
    });
  });

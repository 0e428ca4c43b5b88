// bundler.test.mjs — the npm package through a bundler, as README "With a
// bundler" shows: the packed tarball is installed offline into a fresh
// project, esbuild bundles a page's script (tests/fixtures/package/
// bundled_page.mjs) for the browser with no externals (the package's
// "browser" entry must reach no node: module), and headless Chromium runs
// the bundle: it checks the HTTP fixtures and runs a C coroutine. Needs
// /usr/bin/chromium, playwright-core and esbuild. Slow: it packs once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { copyFixture, packAndInstall } from '../node/lib/package.mjs';
import { launchChromium, missingPrerequisite, openWatchedPage, pageReport } from './lib/chromium.mjs';
import { serveDirectory } from './lib/static_server.mjs';

const why = await missingPrerequisite();
if (why) test('the bundler test has what it needs', () => assert.fail(why));
else
  test(
    'esbuild bundles a page using the package for the browser, and it runs in Chromium',
    { timeout: 600_000 },
    async (t) => {
      let pkg, fixtures, site, browser;
      t.after(async () => {
        await browser?.close();
        await site?.close();
        await fixtures?.close();
        await pkg?.cleanup();
      });
      const { build } = await import('esbuild');
      pkg = await packAndInstall();
      await copyFixture('bundled_page.mjs', pkg.project);
      const out = join(pkg.project, 'out');
      const result = await build({
        absWorkingDir: pkg.project,
        entryPoints: ['bundled_page.mjs'],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        outdir: out,
        loader: { '.wasm': 'file' },
        metafile: true,
        logLevel: 'silent',
      });
      assert.deepEqual(result.errors, []);
      const inputs = Object.keys(result.metafile.inputs);
      assert.ok(
        inputs.some((i) => i.endsWith('corio/npm/index.mjs')),
        inputs.join('\n'),
      );
      assert.deepEqual(
        inputs.filter((i) => /node:|platform_node|npm\/node\.mjs|\.cjs$/.test(i)),
        [],
      );
      const outputs = Object.keys(result.metafile.outputs).map((o) => o.slice('out/'.length));
      assert.ok(
        outputs.some((o) => /^corio-[A-Z0-9]+\.wasm$/.test(o)),
        outputs.join(', '),
      );
      await writeFile(
        join(out, 'index.html'),
        '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./bundled_page.js"></script>\n',
      );

      fixtures = await startFixtures();
      site = await serveDirectory(out);
      browser = await launchChromium();
      const { page, problems } = await openWatchedPage(browser);
      await page.goto(`${site.url}?base=${encodeURIComponent(fixtures.base)}`);
      const { report, error } = await pageReport(page);
      assert.equal(error, undefined, error);
      assert.deepEqual(report, { checks: [200, 404], run: 2 });
      // The 404 answer is the fixture's, not a failure of the page (Chromium
      // logs it as a console error without its URL).
      const fixture404 = (p) => p.includes(`${fixtures.base}404`) || /console error: .* status of 404/.test(p);
      // A check closes its connection once it has the head, as the guide's does:
      // over fetch() that aborts the rest of a fixture's body (ERR_ABORTED).
      const aborted = (p) => p.startsWith(`request failed: ${fixtures.base}`) && p.endsWith('net::ERR_ABORTED');
      assert.deepEqual(
        problems.filter((p) => !fixture404(p) && !aborted(p)),
        [],
      );
    },
  );

// package.test.mjs — the npm package in a browser with no bundler: the
// packed tarball is installed offline into a fresh project, the README's
// browser builds for C users (tests/fixtures/package/c_users.sh) are made
// there, and headless Chromium loads a plain HTML page
// (tests/fixtures/package/page.html) served from that project, which
// imports 'corio' through an import map (and by path), checks the HTTP
// fixtures on another origin, runs C coroutines, and runs the C builds.
// Needs /usr/bin/chromium and playwright-core. Slow: it packs once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { copyFixture, packAndInstall, runCUserBlock } from '../node/lib/package.mjs';
import { launchChromium, missingPrerequisite, pageReport } from './lib/chromium.mjs';
import { serveDirectory } from './lib/static_server.mjs';

const why = await missingPrerequisite();
if (why) test('the package browser test has what it needs', () => assert.fail(why));
else
  test('a plain page imports the installed package and uses it', { timeout: 600_000 }, async (t) => {
    let pkg, fixtures, site, browser;
    t.after(async () => {
      await browser?.close();
      await site?.close();
      await fixtures?.close();
      await pkg?.cleanup();
    });
    pkg = await packAndInstall({ c: true });
    for (const f of ['hello.c', 'coroutines.c', 'page.html']) await copyFixture(f, pkg.project);
    for (const block of ['Browser', 'Coroutines']) {
      const r = await runCUserBlock(pkg.project, block);
      assert.equal(r.code, 0, `${block}:\n${r.stdout}\n${r.stderr}`);
    }
    fixtures = await startFixtures();
    site = await serveDirectory(pkg.project);
    browser = await launchChromium();
    const page = await browser.newPage();
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      if (r.url().startsWith(site.url)) problems.push(`failed to load ${r.url()}`);
    });
    await page.goto(`${site.url}page.html?base=${encodeURIComponent(fixtures.base)}`);
    const { report, error } = await pageReport(page);
    assert.equal(error, undefined, error);
    assert.deepEqual(problems, []);

    assert.equal(report.sameModule, true);
    assert.deepEqual(report.checkUrls, [
      { outcome: 200, ok: true, hidden: false },
      { outcome: 404, ok: false, hidden: false },
      // No CORS headers: the fetch fails as one to a site that is down (the browser does not say which).
      { outcome: 'CORIO_ENETWORK', ok: false, hidden: false },
      { outcome: 'CORIO_ETIMEDOUT', ok: false, hidden: false },
    ]);
    assert.deepEqual(report.progress, [
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    assert.deepEqual(report.iterateOrder, [1, 0]);
    assert.deepEqual(report.cancelled, ['CORIO_ECANCELLED', 200]);
    assert.equal(report.run, 2);
    assert.deepEqual(report.runError, {
      isCorioError: true,
      code: -3,
      codeName: 'CORIO_EINVAL',
      message: 'n must be 1..10, got 0',
    });
    assert.deepEqual(report.hello, ['slept 10 ms', 'slept 30 ms', 'CORIO_OK, total 40 ms']);
    assert.equal(report.doubled, 42);
    assert.deepEqual(report.refused, {
      isCorioError: true,
      code: -1000,
      codeName: 'CORIO_EUSER',
      message: 'refused 7',
    });
  });

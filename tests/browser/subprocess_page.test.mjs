// subprocess_page.test.mjs — a page cannot start processes: in headless
// Chromium, the example program examples/subprocess_exec.c (its wasm
// build, run from a blank page with no Module.corioProcess, as a page
// has) gets CORIO_ENOTSUP from corio_subprocess_exec itself, with a
// message that says a page cannot start processes, and exits with status
// 1 having started nothing. Needs /usr/bin/chromium, playwright-core and
// build/wasm/subprocess_exec.mjs (make -f emscripten.mk examples).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { launchChromium, missingPrerequisite } from './lib/chromium.mjs';
import { serveDirectory } from './lib/static_server.mjs';

const root = new URL('../../', import.meta.url);
const PROGRAM = 'build/wasm/subprocess_exec.mjs';

const missing = existsSync(new URL(PROGRAM, root))
  ? await missingPrerequisite()
  : `${PROGRAM} is missing: run make -f emscripten.mk examples`;
if (missing) test('the subprocess page test has what it needs', () => assert.fail(missing));
else
  describe('subprocesses in a page', { timeout: 60_000 }, () => {
    let server, browser, page;
    const problems = [];

    before(async () => {
      server = await serveDirectory(fileURLToPath(root));
      browser = await launchChromium();
      page = await browser.newPage();
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      // A blank page of the origin the program is served from.
      await page.route(`${server.url}blank.html`, (route) =>
        route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>blank</title>' }),
      );
      await page.goto(`${server.url}blank.html`);
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    test('corio_subprocess_exec is CORIO_ENOTSUP saying a page cannot start processes', async () => {
      const { lines, status } = await page.evaluate(async (url) => {
        const factory = (await import(url)).default;
        const lines = [];
        let exited;
        const done = new Promise((resolve) => {
          exited = resolve;
        });
        const Module = await factory({
          noInitialRun: true,
          print: (l) => lines.push(l),
          printErr: (l) => lines.push(`stderr: ${l}`),
          onExit: (status) => exited(status),
        });
        try {
          Module.callMain([]);
        } catch (e) {
          if (!(e && e.name === 'ExitStatus')) throw e;
          exited(e.status);
        }
        return { lines, status: await done };
      }, `${server.url}${PROGRAM}`);
      assert.deepEqual(lines, [
        'failed: CORIO_ENOTSUP: cannot start /bin/echo: not supported here: ' +
          'a page cannot start processes (in Node the loader passes Module.corioProcess = {child_process, fs, os})',
      ]);
      assert.equal(status, 1);
      assert.deepEqual(problems, []);
    });
  });

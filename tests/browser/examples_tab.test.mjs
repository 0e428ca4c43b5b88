// examples_tab.test.mjs — the Examples tab of the demo page (#examples) in
// headless Chromium: it lists what dist/examples/index.json lists, shows the
// selected program's source as text, runs a program in the page (a fresh
// instance per run, the page kept running) with exactly the output of
// examples/NAME.expected and its exit status, runs the programs that start
// their own server (it listens through the dev server's relay), stops a
// run, and follows the language switch. Needs /usr/bin/chromium,
// playwright-core and a built dist/ (make -f emscripten.mk dist).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { startServer } from '../../server/server.mjs';
import { launchChromium, missingPrerequisite, openWatchedPage } from './lib/chromium.mjs';

const WAIT = { timeout: 30_000 };
const examples = new URL('../../examples/', import.meta.url);
const indexUrl = new URL('../../dist/examples/index.json', import.meta.url);
const read = (name) => readFileSync(new URL(name, examples), 'utf8');

const missing =
  (await missingPrerequisite()) ??
  (existsSync(indexUrl) ? null : 'dist/examples/index.json is missing: build it first (make -f emscripten.mk dist)');
if (missing) test('the browser tests have what they need', () => assert.fail(missing));
else
  describe('the Examples tab', { timeout: 180_000 }, () => {
    let server, browser, page;
    let problems = []; // page errors, console errors, failed requests

    before(async () => {
      server = await startServer({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
      ({ page, problems } = await openWatchedPage(browser));
      await page.goto(`${server.url}#examples`);
      await page.waitForSelector('#examples-status[data-state="ready"]', WAIT);
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    function assertNoProblems() {
      assert.deepEqual(problems, [], problems.join('\n'));
    }

    async function select(name) {
      await page.click(`#examples-list button[data-example="${name}"]`);
      await page.waitForSelector(`#examples-list button[data-example="${name}"][aria-current="true"]`, WAIT);
      await page.waitForSelector('#example-source[data-state="ok"]', WAIT);
    }

    // Runs the selected program from the Run button; resolves to its output
    // panel's text and the result line once the run has ended.
    async function run() {
      await page.click('#example-run');
      await page.waitForSelector('#example-result:not([data-state="running"]):not([data-state="idle"])', WAIT);
      return {
        output: await page.locator('#example-output').textContent(),
        state: await page.locator('#example-result').getAttribute('data-state'),
        result: await page.locator('#example-result').textContent(),
      };
    }

    test("is the page's third tab, shown by #examples", async () => {
      const tabs = await page.locator('[role="tab"]').evaluateAll((els) => els.map((e) => e.id));
      assert.deepEqual(tabs, ['tab-checker', 'tab-demos', 'tab-examples']);
      assert.equal(await page.locator('#tab-examples').getAttribute('aria-selected'), 'true');
      assert.equal(await page.locator('#tab-examples').textContent(), 'Examples');
      assert.equal(await page.locator('#panel-examples').isVisible(), true);
      assert.equal(await page.locator('#panel-checker').isVisible(), false);
      assert.equal(await page.locator('#panel-demos').isVisible(), false);
      assertNoProblems();
    });

    test('lists the programs of dist/examples/index.json, with their titles', async () => {
      const { examples: index } = JSON.parse(readFileSync(indexUrl, 'utf8'));
      const shown = await page.locator('#examples-list button').evaluateAll((buttons) =>
        buttons.map((b) => ({
          name: b.dataset.example,
          strong: b.querySelector('strong').textContent,
          title: b.querySelector('small').textContent,
        })),
      );
      assert.deepEqual(
        shown,
        index.map(({ name, title }) => ({ name, strong: name, title })),
      );
      for (const name of ['hello_tasks', 'producer_consumer'])
        assert.ok(
          index.some((e) => e.name === name),
          `${name} is listed`,
        );
      assert.equal(await page.locator('#examples-status').textContent(), `${index.length} example programs.`);
      assertNoProblems();
    });

    test("shows the selected program's source as text", async () => {
      await select('hello_tasks');
      const source = read('hello_tasks.c');
      assert.equal(await page.locator('#example-source').textContent(), source);
      // Markup in the source (#include <stdio.h>) is shown, not parsed.
      assert.equal(await page.locator('#example-source').evaluate((pre) => pre.children.length), 0);
      assert.match(await page.locator('#example-source').innerHTML(), /#include &lt;stdio\.h&gt;/);
      assert.equal(await page.locator('#example-file').textContent(), 'examples/hello_tasks.c');
      assert.equal(await page.locator('#example-name').textContent(), 'hello_tasks');
      assert.equal(await page.locator('#example-result').textContent(), 'not run yet');
      assertNoProblems();
    });

    test('hello_tasks runs in the page: exactly its expected output, exit status 0', async () => {
      await select('hello_tasks');
      // An interval counts turns of the page's event loop during the run.
      await page.evaluate(() => {
        window.turns = 0;
        window.turnTimer = setInterval(() => window.turns++, 10);
      });
      const { output, state, result } = await run();
      const turns = await page.evaluate(() => {
        clearInterval(window.turnTimer);
        return window.turns;
      });
      assert.equal(output, read('hello_tasks.expected'));
      assert.equal(state, 'exited');
      assert.match(result, /^exited with status 0 after \d/);
      // The run takes over 0.5 s (wait_for's limit); the page ran meanwhile.
      assert.ok(turns >= 20, `the page's timers ran only ${turns} times during the run`);
      assertNoProblems();
    });

    test('a second run is a fresh instance with the same output', async () => {
      const { output, result } = await run();
      assert.equal(output, read('hello_tasks.expected'));
      assert.match(result, /^exited with status 0 after /);
      assertNoProblems();
    });

    test('to_thread (section 14) runs its threaded build in the isolated page: the ticker keeps ticking', async () => {
      assert.equal(await page.evaluate(() => crossOriginIsolated), true);
      await select('to_thread');
      const { output, state, result } = await run();
      assert.equal(state, 'exited', `${result}\n${output}`);
      assert.match(result, /^exited with status 0 after \d/);
      const hash = 'hash 5774ae57539d0383';
      assert.equal(
        output,
        [
          "hashing 64 MB on the loop's thread:",
          `${hash}; the ticker froze (no tick while hashing)`,
          'hashing 64 MB with corio_to_thread:',
          `${hash}; the ticker kept ticking while hashing`,
          '',
        ].join('\n'),
      );
      assertNoProblems();
    });

    test('producer_consumer runs in the page: exactly its expected output, exit status 0', async () => {
      await select('producer_consumer');
      assert.equal(await page.locator('#example-source').textContent(), read('producer_consumer.c'));
      assert.equal(await page.locator('#example-output').textContent(), '', 'no output before its first run');
      const { output, state, result } = await run();
      assert.equal(output, read('producer_consumer.expected'));
      assert.equal(state, 'exited');
      assert.match(result, /^exited with status 0 after /);
      assertNoProblems();
    });

    // The page's own servers listen through the dev server's relay (on its
    // machine's loopback), so the guide's stream and checker examples run as
    // they do natively: the same output, exit status 0.
    for (const name of ['streams', 'website_status_sequential', 'website_status_concurrent']) {
      test(`${name} starts its own server through the relay: its expected output, exit status 0`, async () => {
        await select(name);
        const { output, state, result } = await run();
        assert.equal(output, read(`${name}.expected`));
        assert.equal(state, 'exited');
        assert.match(result, /^exited with status 0 after /);
        assertNoProblems();
      });
    }

    test('each program keeps its last run', async () => {
      await select('hello_tasks');
      assert.equal(await page.locator('#example-output').textContent(), read('hello_tasks.expected'));
      assert.match(await page.locator('#example-result').textContent(), /^exited with status 0 after /);
      assertNoProblems();
    });

    test('Stop ends a running program', async () => {
      await select('hello_tasks');
      await page.click('#example-run');
      await page.waitForSelector('#example-result[data-state="running"]', WAIT);
      assert.equal(await page.locator('#example-run').isDisabled(), true);
      await page.click('#example-stop');
      await page.waitForSelector('#example-result[data-state="stopped"]', WAIT);
      assert.match(await page.locator('#example-result').textContent(), /^stopped after /);
      assert.equal(await page.locator('#example-run').isDisabled(), false);
      assert.equal(await page.locator('#example-stop').isDisabled(), true);
      const output = await page.locator('#example-output').textContent();
      assert.ok(read('hello_tasks.expected').startsWith(output), `the output so far is a prefix:\n${output}`);
      assertNoProblems();
    });

    test('switches between English and Chinese', async () => {
      await select('hello_tasks');
      await run();
      await page.click('button[data-lang="zh"]');
      assert.equal(await page.locator('#tab-examples').textContent(), '示例');
      assert.equal(await page.locator('#example-run').textContent(), '运行');
      assert.equal(await page.locator('#example-stop').textContent(), '停止');
      assert.match(await page.locator('#example-result').textContent(), /^以状态 0 退出，用时 /);
      assert.match(await page.locator('#examples-status').textContent(), /^共 \d+ 个示例程序。$/);
      // The program's own output and source do not change with the language.
      assert.equal(await page.locator('#example-output').textContent(), read('hello_tasks.expected'));
      assert.equal(await page.locator('#example-source').textContent(), read('hello_tasks.c'));
      await page.click('button[data-lang="en"]');
      assert.equal(await page.locator('#tab-examples').textContent(), 'Examples');
      assert.match(await page.locator('#example-result').textContent(), /^exited with status 0 after /);
      assertNoProblems();
    });
  });

// demo.test.mjs — the coroutine demos (page/index.html's second tab, #demos)
// in headless Chromium: each demo's printf lines and its result (or
// CorioError) appear on the page, the page keeps running while a demo runs,
// and nothing logs an error. Needs /usr/bin/chromium, playwright-core and a
// built dist/ (make dist).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../server/server.mjs';
import { launchChromium, missingPrerequisite, openWatchedPage } from './lib/chromium.mjs';

const WAIT = { timeout: 30_000 };

const missing = await missingPrerequisite();
if (missing) test('the browser tests have what they need', () => assert.fail(missing));
else
  describe('browser demo page', { timeout: 180_000 }, () => {
    let server, browser, page;
    let problems = []; // page errors, console errors, failed requests

    before(async () => {
      server = await startServer({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
      ({ page, problems } = await openWatchedPage(browser));
      await page.goto(`${server.url}#demos`);
      await page.waitForSelector('#status[data-state="ready"]', WAIT);
    });

    after(async () => {
      await browser?.close();
      await server?.close();
    });

    // Runs a demo from its form and waits for its result: returns the result
    // text, its state (ok or error) and the output panel's lines.
    async function runDemo(name, arg) {
      const form = page.locator(`form[data-demo="${name}"]`);
      const before = await page.locator('#log li span').count();
      if (arg !== undefined) await form.locator('input[name="arg"]').fill(String(arg));
      await form.locator('button').click();
      // Done when the run's result line (✔ or ✘) has been added to the log.
      await page.waitForFunction(
        ([name, from]) =>
          [...document.querySelectorAll('#log li span')]
            .slice(from)
            .some((s) => s.textContent.startsWith(`✔ ${name}(`) || s.textContent.startsWith(`✘ ${name}(`)),
        [name, before],
        WAIT,
      );
      const output = form.locator('output');
      const lines = (await page.locator('#log li span').allInnerTexts()).slice(before);
      return { state: await output.getAttribute('data-state'), text: await output.innerText(), lines };
    }

    // Asserts that `expected` occur in `lines` in this order (others may interleave).
    function assertInOrder(lines, expected) {
      let at = -1;
      for (const e of expected) {
        const i = lines.findIndex((l, k) => k > at && (e instanceof RegExp ? e.test(l) : l === e));
        assert.ok(i > at, `expected a line matching ${e} after line ${at} in:\n${lines.join('\n')}`);
        at = i;
      }
    }

    function assertNoProblems() {
      assert.deepEqual(problems, [], problems.join('\n'));
    }

    test("the demos are the page's second tab, shown by #demos", async () => {
      assert.equal(await page.locator('#tab-demos').getAttribute('aria-selected'), 'true');
      assert.equal(await page.locator('#panel-checker').isVisible(), false);
      assertNoProblems();
    });

    test('the live clock runs while its tab is shown, and stands still while another is', async () => {
      const read = () => page.locator('#live-clock').innerText();
      const advanced = async () => {
        const first = await read();
        await page.waitForTimeout(250);
        return (await read()) !== first;
      };
      assert.equal(await advanced(), true, 'the clock stood still on its own tab');
      await page.locator('#tab-checker').click();
      try {
        assert.equal(await advanced(), false, 'the clock was redrawn while its tab was hidden');
      } finally {
        await page.locator('#tab-demos').click(); // the tests after this one use the tab
      }
      assert.equal(await advanced(), true, 'the clock did not start again on its tab');
      assertNoProblems();
    });

    test('the page loads the wasm module and names its backend', async () => {
      assert.match(await page.locator('#backend').innerText(), /^emscripten-fiber\/js-event-loop$/);
      assert.equal(
        await page.evaluate(() => crossOriginIsolated),
        true,
        'COOP/COEP make the page cross-origin isolated',
      );
      assertNoProblems();
    });

    test('demo_tasks prints each worker and returns the count', async () => {
      const { state, text, lines } = await runDemo('demo_tasks', 5);
      assert.equal(state, 'ok', text);
      assert.match(text, /^returned 5 after \d+\.\d\d s$/);
      for (let i = 1; i <= 5; i++)
        assertInOrder(lines, [
          new RegExp(`^worker ${i} started, sleeping \\d+ ms$`),
          new RegExp(`^worker ${i} done after \\d+\\.\\d\\d s$`),
        ]);
      assertInOrder(lines, [
        '▶ demo_tasks(5)',
        /^all 5 workers done in \d+\.\d\d s; their sleeps add up to 1\.71 s$/,
        /^✔ demo_tasks\(5\) returned 5 after /,
      ]);
      assertNoProblems();
    });

    test('demo_tasks rejects a bad count with a CorioError', async () => {
      const { state, text } = await runDemo('demo_tasks', 0);
      assert.equal(state, 'error');
      assert.equal(text, 'CorioError CORIO_EINVAL (-3): n must be 1..10, got 0');
      assertNoProblems();
    });

    test('demo_timeout times out, cancels the slow job and fails with CORIO_ETIMEDOUT', async () => {
      const { state, text, lines } = await runDemo('demo_timeout', 200);
      assert.equal(state, 'error');
      assert.equal(text, 'CorioError CORIO_ETIMEDOUT (-2): timed out');
      assertInOrder(lines, [
        'waiting for the slow job at most 200 ms',
        'slow job: started, needs 1.00 s',
        'slow job: cancelled, cleaning up',
        'wait_for timed out; the job was cancelled: yes',
        /^✘ demo_timeout\(200\) failed after .*CORIO_ETIMEDOUT/,
      ]);
      assertNoProblems();
    });

    test("demo_timeout returns the job's result when the limit is long enough", async () => {
      const { state, text, lines } = await runDemo('demo_timeout', 5000);
      assert.equal(state, 'ok', text);
      assert.match(text, /^returned 42 after /);
      assertInOrder(lines, ['slow job: finished', 'the job finished in time with 42']);
      assertNoProblems();
    });

    test('demo_cancel cancels the ticker and shows its cleanup', async () => {
      const { state, text, lines } = await runDemo('demo_cancel', 250);
      assert.equal(state, 'ok', text);
      assert.match(text, /^returned 0 after /);
      assertInOrder(lines, [
        'main: cancelling ticker after 250 ms',
        'ticker: cancelled (stopped by main), cleaning up...',
        /^ticker: cleanup done after \d+ ticks$/,
        'main: ticker ended cancelled: stopped by main',
      ]);
      assertNoProblems();
    });

    test('output arrives while a demo runs, and demos can overlap', async () => {
      // An interval counts turns of the page's event loop; each output line
      // records the count when it was added.
      await page.evaluate(() => {
        window.turns = 0;
        window.turnTimer = setInterval(() => window.turns++, 5);
        window.lineTurns = [];
        new MutationObserver((records) => {
          for (const r of records)
            for (const n of r.addedNodes) window.lineTurns.push([n.lastChild.textContent, window.turns]);
        }).observe(document.querySelector('#log'), { childList: true });
      });
      const tasks = page.locator('form[data-demo="demo_tasks"]');
      const cancel = page.locator('form[data-demo="demo_cancel"]');
      await tasks.locator('input').fill('10');
      await cancel.locator('input').fill('200');
      await tasks.locator('button').click();
      await cancel.locator('button').click();
      for (const form of [tasks, cancel]) await form.locator('output[data-state="ok"]').waitFor(WAIT);
      const lineTurns = await page.evaluate(() => {
        clearInterval(window.turnTimer);
        return window.lineTurns;
      });
      const turnOf = (re) => lineTurns.find(([t]) => re.test(t))?.[1];
      const firstDone = turnOf(/worker 3 done/),
        result = turnOf(/✔ demo_tasks\(10\)/);
      assert.ok(firstDone !== undefined && result !== undefined, JSON.stringify(lineTurns));
      assert.ok(result > firstDone, 'the page ran between the first worker line and the result');
      assert.ok(turnOf(/✔ demo_cancel\(200\)/) !== undefined);
      assertNoProblems();
    });

    // Runs a hash demo while a 5 ms interval counts the page's turns; returns
    // its result and how many turns passed between its "hashing" line and
    // its "hash" line (the lines are observed as they are added).
    async function hashDemo(name, mb) {
      await page.evaluate(() => {
        window.turns = 0;
        window.turnTimer = setInterval(() => window.turns++, 5);
        window.lineTurns = [];
        window.lineObserver = new MutationObserver((records) => {
          for (const r of records)
            for (const n of r.addedNodes) window.lineTurns.push([n.lastChild.textContent, window.turns]);
        });
        window.lineObserver.observe(document.querySelector('#log'), { childList: true });
      });
      const run = await runDemo(name, mb);
      const lineTurns = await page.evaluate(() => {
        clearInterval(window.turnTimer);
        window.lineObserver.disconnect();
        return window.lineTurns;
      });
      const turnOf = (re) => lineTurns.find(([t]) => re.test(t))?.[1];
      return { ...run, lineTurns, turns: turnOf(/^hash [0-9a-f]{16} /) - turnOf(/^hashing \d+ MB/) };
    }

    test('the isolated page runs the threaded build', async () => {
      assert.equal(await page.locator('#threads').innerText(), 'yes (cross-origin isolated)');
      assert.equal(await page.evaluate(() => typeof SharedArrayBuffer), 'function');
      assertNoProblems();
    });

    test('demo_hash_on_loop stops the heartbeat and the page while it hashes', async () => {
      const { state, text, lines, turns, lineTurns } = await hashDemo('demo_hash_on_loop', 128);
      assert.equal(state, 'ok', text);
      assert.match(text, /^returned 0 after /);
      assertInOrder(lines, [
        "hashing 128 MB on the loop's thread",
        /^hash 88844cfe339d0383 in \d+\.\d\d s; the heartbeat beat 0 times meanwhile$/,
      ]);
      // Lines added in one task of the page are observed together, at its
      // end; the count between the two lines is the page's turns between
      // them: none, or the interval's one late run, if the hash kept the
      // page's thread (a live page counts one each 5 ms).
      assert.ok(turns <= 1, `the page ran while the loop hashed: ${JSON.stringify(lineTurns)}`);
      assertNoProblems();
    });

    test('demo_hash_to_thread hashes on a worker thread while the heartbeat and the page run', async () => {
      const { state, text, lines, turns, lineTurns } = await hashDemo('demo_hash_to_thread', 128);
      assert.equal(state, 'ok', text);
      const beats = Number(/^returned (\d+) after /.exec(text)?.[1]);
      assert.ok(beats > 0, text);
      assertInOrder(lines, [
        'hashing 128 MB with corio_to_thread',
        new RegExp(`^hash 88844cfe339d0383 in \\d+\\.\\d\\d s; the heartbeat beat ${beats} times meanwhile$`),
      ]);
      assert.ok(turns >= 5, `the page stood still while the worker hashed: ${JSON.stringify(lineTurns)}`);
      assertNoProblems();
    });

    test("the task list shows the running demo's tasks live, and none once it ended", async () => {
      const seen = [];
      await page.exposeFunction('sawDump', (text) => seen.push(text));
      await page.evaluate(() =>
        new MutationObserver(() => window.sawDump(document.querySelector('#task-dump').textContent)).observe(
          document.querySelector('#task-dump'),
          { childList: true, characterData: true, subtree: true },
        ),
      );
      const { state } = await runDemo('demo_cancel', 300);
      assert.equal(state, 'ok');
      assert.ok(
        seen.some((t) => /^task ticker: waiting on a sleep, created at examples\/web_demo\.c:\d+$/m.test(t)),
        `the ticker was listed while it ran:\n${seen.join('\n--\n')}`,
      );
      assert.equal(await page.locator('#task-dump').innerText(), 'No task is running.');
      assertNoProblems();
    });

    test('?debug turns debug mode on, and the checkbox turns it off and on', async () => {
      assert.equal(await page.locator('#demo-debug').isChecked(), false);
      await page.goto(`${server.url}?debug#demos`);
      await page.waitForSelector('#status[data-state="ready"]', WAIT);
      assert.equal(await page.locator('#demo-debug').isChecked(), true);
      assert.equal(await page.evaluate(() => document.querySelector('#examples-debug').checked), true);
      await page.locator('#demo-debug').uncheck();
      assert.equal(new URL(page.url()).searchParams.has('debug'), false);
      assert.equal(await page.evaluate(() => document.querySelector('#examples-debug').checked), false);
      await page.locator('#demo-debug').check();
      assert.equal(new URL(page.url()).searchParams.has('debug'), true);
      assertNoProblems();
    });
  });

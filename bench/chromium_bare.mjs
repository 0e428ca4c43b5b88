// chromium_bare.mjs — headless Chromium for the benchmarks, as a user's
// browser runs a page: driven through the DevTools protocol's pipe with the
// Target and Runtime domains only.
//
// Why not playwright-core, as the browser tests use: it enables the Network
// domain of every page, so Chromium reports each request and each WebSocket
// frame (with its bytes) to it, through the browser process. For the relay,
// which carries a page's connections as WebSocket frames, that
// instrumentation costs more CPU than the dev server does, and a user's
// browser does none of it. As with Playwright's newPage(), every page gets a
// browser context of its own (its own cache, cookies and connections). The
// flags are the browser tests' (tests/browser/lib/chromium.mjs), and those
// that keep a headless page from being throttled as a background one, as an
// automation library's are.
//
//   const browser = await launchBareChromium();
//   const page = await browser.newPage(url);   // resolves once it has loaded
//   const value = await page.evaluate(fn, arg); // fn(arg) in the page, by value
//   await page.close(); await browser.close();
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_FLAGS } from '../tests/browser/lib/chromium.mjs';

const FOREGROUND_FLAGS = [
  '--disable-background-timer-throttling',
  '--disable-backgrounding-occluded-windows',
  '--disable-renderer-backgrounding',
];
const START_TIMEOUT_MS = 30000; // to start, and to load a page
const CLOSE_TIMEOUT_MS = 5000; // then it is killed

// Resolves or rejects as `promise` does, or rejects after `ms`.
function within(promise, ms, what) {
  let timer;
  const late = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * Starts Chromium headless with a fresh profile directory (removed by
 * close(), or here if it cannot start). Resolves to {newPage(url), close()}.
 */
export async function launchBareChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'corio-bench-chromium-'));
  // fd 3: what it reads (commands), fd 4: what it writes; NUL after each.
  const child = spawn(
    CHROMIUM,
    [...CHROMIUM_FLAGS, ...FOREGROUND_FLAGS, '--headless', '--remote-debugging-pipe', `--user-data-dir=${profile}`],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const pending = new Map(); // command id -> {resolve, reject}
  let nextId = 1;
  let gone = null; // why the browser cannot answer any more
  const fail = (why) => {
    gone ??= why;
    for (const w of pending.values()) w.reject(gone);
    pending.clear();
  };
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      fail(new Error(`Chromium exited (${signal ?? code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      resolve();
    });
    child.once('error', (e) => {
      fail(new Error(`Chromium could not be started: ${e.message}`));
      resolve();
    });
  });
  // Its pipes end with it: that shows as the exit above.
  for (const stream of [child.stderr, child.stdio[3], child.stdio[4]]) stream.on('error', () => {});
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  let inbox = '';
  child.stdio[4].setEncoding('utf8');
  child.stdio[4].on('data', (text) => {
    inbox += text;
    for (let end; (end = inbox.indexOf('\0')) >= 0;) {
      let message;
      try {
        message = JSON.parse(inbox.slice(0, end));
      } catch (e) {
        fail(new Error(`Chromium sent what is not JSON: ${e.message}`));
        child.kill('SIGKILL');
        return;
      }
      inbox = inbox.slice(end + 1);
      const waiter = pending.get(message.id);
      if (!waiter) continue; // an event: none is enabled but Target's own
      pending.delete(message.id);
      if (message.error)
        waiter.reject(new Error(`${message.error.message} (${JSON.stringify(message.error.data ?? '')})`));
      else waiter.resolve(message.result);
    }
  });
  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });

  // Stops it however far it got, and removes its profile once it has exited.
  async function close() {
    await within(send('Browser.close'), CLOSE_TIMEOUT_MS, 'Browser.close').catch(() => {});
    const kill = setTimeout(() => child.kill('SIGKILL'), CLOSE_TIMEOUT_MS);
    await exited;
    clearTimeout(kill);
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }

  try {
    await within(send('Browser.getVersion'), START_TIMEOUT_MS, 'starting Chromium'); // it answers once it is up
  } catch (e) {
    child.kill('SIGKILL');
    await exited;
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
    throw e;
  }

  // A page at `url` in a context of its own; resolves once the document at
  // `url` (not the first about:blank) is complete. Closed again if it
  // cannot be had.
  async function newPage(url) {
    const { browserContextId } = await send('Target.createBrowserContext');
    const closeContext = () => send('Target.disposeBrowserContext', { browserContextId }).catch(() => {});
    try {
      const { targetId } = await send('Target.createTarget', { url, browserContextId });
      const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
      const evaluate = async (fn, arg) => {
        const r = await send(
          'Runtime.evaluate',
          { expression: `(${fn})(${JSON.stringify(arg)})`, awaitPromise: true, returnByValue: true },
          sessionId,
        );
        if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
        return r.result.value;
      };
      // No Page domain, so this asks; a navigation in between is retried.
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`${url} did not load within ${START_TIMEOUT_MS} ms`);
        const loaded = await within(
          evaluate((want) => location.href === want && document.readyState === 'complete', new URL(url).href),
          left,
          `loading ${url}`,
        ).catch((e) => {
          if (gone) throw gone;
          if (/no answer within/.test(e.message)) throw e;
          return false; // the context went with a navigation: ask again
        });
        if (loaded) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return { evaluate, close: closeContext };
    } catch (e) {
      await closeContext();
      throw e;
    }
  }

  return { newPage, close };
}

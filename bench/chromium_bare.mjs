// chromium_bare.mjs — headless Chromium for the benchmarks, as a user's
// browser runs a page: driven through the DevTools protocol's pipe with the
// Target and Runtime domains only.
//
// Why not playwright-core, as the browser tests use: it enables the Network
// domain of every page, so Chromium reports each request and each WebSocket
// frame (with its bytes) to it, through the browser process. For the relay,
// which carries a page's connections as WebSocket frames, that
// instrumentation costs more CPU than the dev server does, and a user's
// browser does none of it. The flags are the browser tests'
// (tests/browser/lib/chromium.mjs), and those that keep a headless page from
// being throttled as a background one, as an automation library's are.
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
const LOAD_TIMEOUT_MS = 30000;

/**
 * Starts Chromium headless with a fresh profile directory (removed by
 * close()). Resolves to {newPage(url), close()}; rejects if it cannot start.
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
  child.stderr.on('data', (d) => {
    stderr = (stderr + d).slice(-2000);
  });
  const exited = new Promise((resolve) => {
    child.once('exit', resolve);
    child.once('error', (e) => resolve(e.message)); // it could not be started
  });
  const pending = new Map(); // command id -> {resolve, reject}
  let nextId = 1;
  let gone = null; // why the browser cannot answer any more
  let inbox = '';
  child.stdio[4].setEncoding('utf8');
  child.stdio[4].on('data', (text) => {
    inbox += text;
    for (let end; (end = inbox.indexOf('\0')) >= 0;) {
      const message = JSON.parse(inbox.slice(0, end));
      inbox = inbox.slice(end + 1);
      const waiter = pending.get(message.id);
      if (!waiter) continue; // an event: none is enabled but Target's own
      pending.delete(message.id);
      if (message.error)
        waiter.reject(new Error(`${message.error.message} (${JSON.stringify(message.error.data ?? '')})`));
      else waiter.resolve(message.result);
    }
  });
  exited.then((code) => {
    gone = new Error(`Chromium exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
    for (const w of pending.values()) w.reject(gone);
    pending.clear();
  });
  child.stdio[3].on('error', () => {}); // a closed pipe shows as the exit above
  const send = (method, params = {}, sessionId = undefined) =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone);
      const id = nextId++;
      pending.set(id, { resolve, reject });
      child.stdio[3].write(JSON.stringify({ id, method, params, sessionId }) + '\0');
    });
  try {
    await send('Browser.getVersion'); // it answers once it is up
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }

  async function newPage(url) {
    const { targetId } = await send('Target.createTarget', { url });
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
    // Loaded: the document at `url` (not the first about:blank) is complete.
    // No Page domain, so this asks; a navigation in between is retried.
    const deadline = Date.now() + LOAD_TIMEOUT_MS;
    for (;;) {
      const loaded = await evaluate(
        (want) => location.href === want && document.readyState === 'complete',
        new URL(url).href,
      ).catch(() => false);
      if (loaded) break;
      if (Date.now() > deadline) throw new Error(`${url} did not load within ${LOAD_TIMEOUT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return { evaluate, close: () => send('Target.closeTarget', { targetId }) };
  }

  async function close() {
    await send('Browser.close').catch(() => {});
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    rmSync(profile, { recursive: true, force: true });
  }

  return { newPage, close };
}

// chromium.mjs — what the browser tests share: Debian's Chromium, launched
// headless with the flags docs/toolchain.md gives (no background
// networking: there is no internet), and a check that names what is missing
// (Chromium, playwright-core, the built dist/) as an install hint, and a
// page that records every error it shows.
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What is missing to run the browser tests, as an install hint, or null. */
export async function missingPrerequisite() {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``;
  try {
    await import('playwright-core');
  } catch (e) {
    return `playwright-core is missing (${e.message}): install it with \`npm i -D playwright-core\``;
  }
  for (const f of ['corio.mjs', 'corio.wasm'])
    if (!existsSync(new URL(`../../../dist/${f}`, import.meta.url)))
      return `dist/${f} is missing: build the dist module first (make -f emscripten.mk dist)`;
  return null;
}

/**
 * Launches Chromium headless (playwright-core adds --headless; a fresh
 * profile directory each time).
 */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
}

/**
 * Opens a page (English texts, whatever the machine's locale) that records
 * its page errors, console errors, failed requests and HTTP errors into the
 * returned `problems` list, for a test to assert empty.
 */
export async function openWatchedPage(browser) {
  const problems = [];
  const page = await browser.newPage({ locale: 'en-US' });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  return { page, problems };
}

/**
 * Waits until the page sets window.corioReport (or window.corioFailure, an
 * error's text: the test fixtures' pages do) and returns {report, error}.
 */
export async function pageReport(page, timeout = 60_000) {
  await page.waitForFunction(() => window.corioReport || window.corioFailure, null, { timeout });
  return JSON.parse(
    await page.evaluate(() => JSON.stringify({ report: window.corioReport, error: window.corioFailure })),
  );
}

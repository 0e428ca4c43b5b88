// package_c.test.mjs — the npm package as a C user gets it: from a fresh
// project that installed the packed tarball offline, the README's emcc
// lines (tests/fixtures/package/c_users.sh) compile a C program against
// node_modules/corio's header, static library and JS libraries, and it runs
// under Node; C coroutines built the same way run from JS through 'corio'.
// README.md must show those lines as they are. Slow: it packs once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  copyFixture,
  cUserReadmeLines,
  FIXTURES,
  mustRun,
  packAndInstall,
  ROOT,
  runCUserBlock,
} from './lib/package.mjs';

let pkg;
before(async () => {
  pkg = await packAndInstall({ c: true });
  for (const f of ['hello.c', 'coroutines.c', 'run_coroutines.mjs']) await copyFixture(f, pkg.project);
});
after(() => pkg?.cleanup());

// How hello.c's run ends.
const HELLO_END = ['slept 10 ms', 'slept 30 ms', 'CORIO_OK, total 40 ms'];

const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');

// A fixture's code without its file comment (the first block), as the README shows it.
async function shownPart(name) {
  const text = await readFile(join(FIXTURES, name), 'utf8');
  return text.slice(text.indexOf('\n\n') + 2).trim();
}

test('a C program built with the README line for Node runs under Node', async () => {
  const r = await runCUserBlock(pkg.project, 'Node');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual(lines(r.stdout).slice(-3), HELLO_END);
});

test('the README line for Node with -Os (export names minified) runs too', async () => {
  // The fiber swap calls wasm exports by name; -Os and -O3 rename them.
  const r = await runCUserBlock(pkg.project, 'Node', (block) => block.replaceAll('emcc -O2', 'emcc -Os'));
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual(lines(r.stdout).slice(-3), HELLO_END);
});

test('a link that leaves corio_js_fiber_swap out of ASYNCIFY_IMPORTS fails and names the flags', async () => {
  // The README's Node block, with the swap dropped from the import list:
  // Asyncify would not instrument the swap's callers, and the program
  // would run on with a half-done switch.
  const r = await runCUserBlock(pkg.project, 'Node', (block) =>
    block.replace('$CORIO_WASM_FLAGS', '$(echo "$CORIO_WASM_FLAGS" | sed s/,corio_js_fiber_swap//)'),
  );
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /corio: link with -sASYNCIFY and corio_js_fiber_swap in -sASYNCIFY_IMPORTS/);
});

test("C coroutines built with the README line run from JS with load() of 'corio'", async () => {
  const r = await runCUserBlock(pkg.project, 'Coroutines');
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const out = await mustRun(process.execPath, ['run_coroutines.mjs'], { cwd: pkg.project, timeoutMs: 60_000 });
  assert.deepEqual(lines(out), ['42', 'true CORIO_EUSER refused 7']);
});

test('a coroutine name the module lacks rejects with CORIO_ENOTFOUND, in a build exporting nothing extra', async () => {
  const out = await mustRun(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { load } from 'corio';
    import factory from './coroutines.mjs';
    const corio = await load({ factory, wasmUrl: new URL('./coroutines.wasm', 'file://' + process.cwd() + '/') });
    await corio.run('nope', 1).catch((e) => console.log(e.name, e.codeName, e.message));`,
    ],
    { cwd: pkg.project },
  );
  assert.equal(out.trim(), 'CorioError CORIO_ENOTFOUND nope: not found');
});

test('load({factory}) in Node without wasmUrl says what is missing', async () => {
  const out = await mustRun(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `
    import { load } from 'corio';
    import factory from './coroutines.mjs';
    await load({ factory }).catch((e) => console.log(e.name, e.message));`,
    ],
    { cwd: pkg.project },
  );
  assert.match(out, /^TypeError .*needs wasmUrl/);
});

test('README.md shows the tested build lines and programs as they are', async () => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8');
  for (const line of await cUserReadmeLines())
    assert.ok(readme.includes(`${line}\n`), `README.md lacks the line:\n${line}`);
  for (const name of ['hello.c', 'coroutines.c', 'run_coroutines.mjs'])
    assert.ok(readme.includes(await shownPart(name)), `README.md does not show ${name} as tested`);
});

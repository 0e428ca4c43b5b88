// package.test.mjs — the npm package as a JS user gets it: `npm pack` (its
// prepack builds what it ships), the tarball's exact file list, then an
// offline install of the tarball alone into a fresh project, where Node
// imports 'corio' and checks URLs against the HTTP fixtures, runs C
// coroutines, the corio-check bin works, and the TypeScript declarations
// match the module and type-check with tsc. Slow: it packs once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { copyFixture, mustRun, packAndInstall, ROOT, sh } from './lib/package.mjs';

// What the tarball holds: the prebuilt module and wasm, the runtime library
// and JS libraries for C users, the JS API and its types, the CLI, the
// header and the README and the LICENSE.
const SHIPPED = [
  'LICENSE', 'README.md', 'package.json',
  'dist/corio.mjs', 'dist/corio.wasm', 'dist/lib/libcorio.a', 'dist/lib/library_status.js',
  'include/corio.h',
  'npm/checker.d.mts', 'npm/checker.mjs', 'cli/corio-check.mjs', 'npm/corio.d.mts', 'npm/corio.mjs',
  'npm/index.d.mts', 'npm/index.mjs', 'runtime/host/library_host.js', 'runtime/host/library_net.js',
];

let pkg;
let fixtures;
before(async () => {
  [pkg, fixtures] = await Promise.all([packAndInstall(), startFixtures()]);
});
after(async () => {
  await fixtures?.close();
  await pkg?.cleanup();
});

const installed = (path) => join(pkg.project, 'node_modules', 'corio', path);

test('the tarball holds exactly the module, wasm, library, types, CLI, header and README', () => {
  const files = pkg.pack.files.map((f) => f.path).sort();
  assert.deepEqual(files, [...SHIPPED].sort());
  // Of runtime/, only the Emscripten JS libraries C users link with.
  for (const f of files)
    if (f.startsWith('runtime/')) assert.match(f, /^runtime\/host\/library_\w+\.js$/);
    else assert.doesNotMatch(f, /^(tests|checker|bench|examples|scripts|build)\//);
  assert.ok(pkg.pack.size < 1 << 20, `the tarball is ${pkg.pack.size} bytes`);
});

test('installing runs no build: no install scripts, no dependencies', async () => {
  const manifest = JSON.parse(await readFile(installed('package.json'), 'utf8'));
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.equal(manifest.scripts?.[script], undefined, `scripts.${script}`);
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.peerDependencies, undefined);
  assert.ok(existsSync(installed('dist/corio.wasm')));
});

test("Node imports 'corio', checks URLs and runs C coroutines, without fetch()", async () => {
  await copyFixture('node_consumer.mjs', pkg.project);
  const out = await mustRun(process.execPath, ['node_consumer.mjs', fixtures.base],
    { cwd: pkg.project, timeoutMs: 60_000 });
  const line = out.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, `no report in:\n${out}`);
  const r = JSON.parse(line.slice('REPORT '.length));

  assert.deepEqual(r.exports, ['CorioError', 'attach', 'checkUrls', 'defaultInstance',
    'iterateChecks', 'load', 'normalizeOptions', 'run']);
  assert.deepEqual(r.checkerExports, ['checkUrls', 'iterateChecks', 'normalizeOptions']);
  assert.equal(r.sameChecker, true);
  assert.equal(r.version, JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')).version);

  const url = (path) => new URL(path, fixtures.base).href;
  assert.deepEqual(r.checkUrls, [
    { index: 0, url: url('/200'), outcome: 200, ok: true },
    { index: 1, url: url('/404'), outcome: 404, ok: false },
    { index: 2, url: url('/hang'), outcome: 'CORIO_ETIMEDOUT', ok: false },
    { index: 3, url: 'not a url', outcome: 'CORIO_EINVAL', ok: false },
  ]);
  assert.ok(r.hangMs >= 450 && r.hangMs < 3000, `the 0.5 s timeout took ${r.hangMs} ms`);
  assert.deepEqual(r.progress, [[1, 4], [2, 4], [3, 4], [4, 4]]);
  assert.ok(r.sequentialGapMs >= 0, `sequential checks overlapped by ${-r.sequentialGapMs} ms`);
  assert.deepEqual(r.iterateOrder, [1, 0]);
  assert.deepEqual(r.cancelled, ['CORIO_ECANCELLED', 200]);

  assert.equal(r.run, 2);
  assert.match(out, /all 2 workers done/); // demo_tasks printed through console.log
  assert.deepEqual(r.runError, { isError: true, isCorioError: true, name: 'CorioError',
    code: -3, codeName: 'CORIO_EINVAL', message: 'n must be 1..10, got 0' });
  assert.equal(r.unknown.codeName, 'CORIO_ENOTFOUND');
  assert.equal(r.unknown.isCorioError, true);
  assert.equal(r.runCancelled.codeName, 'CORIO_ECANCELLED');
  assert.match(out, /slow job: cancelled, cleaning up/); // the abort reached the C task
});

test('the corio-check bin checks URLs from node_modules/.bin', async () => {
  const bin = join(pkg.project, 'node_modules', '.bin', 'corio-check');
  const ok = await sh(bin, ['--format', 'json', new URL('/200', fixtures.base).href],
    { cwd: pkg.project, timeoutMs: 60_000 });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout)[0].status, 200);
  const bad = await sh(bin, ['--format', 'csv', '-t', '0.3', new URL('/404', fixtures.base).href,
    new URL('/hang', fixtures.base).href], { cwd: pkg.project, timeoutMs: 60_000 });
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /,404,/);
  assert.match(bad.stdout, /CORIO_ETIMEDOUT/);
});

// The value names npm/index.d.mts exports (not its `export type` lines).
function declaredValues(dts) {
  const names = [];
  for (const m of dts.matchAll(/^export \{([^}]*)\} from/gm))
    names.push(...m[1].split(',').map((s) => s.trim()).filter(Boolean));
  return names.sort();
}

test('the declarations name exactly what the module exports', async () => {
  const dts = await readFile(installed('npm/index.d.mts'), 'utf8');
  const out = await mustRun(process.execPath, ['--input-type=module', '-e',
    "console.log(JSON.stringify(Object.keys(await import('corio')).sort()))"], { cwd: pkg.project });
  assert.deepEqual(declaredValues(dts), JSON.parse(out));
  const manifest = JSON.parse(await readFile(installed('package.json'), 'utf8'));
  assert.equal(manifest.types, './npm/index.d.mts');
  for (const entry of Object.values(manifest.exports))
    if (typeof entry === 'object') assert.ok(existsSync(installed(entry.types)), entry.types);
});

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

for (const resolution of ['nodenext', 'node16', 'bundler']) {
  test(`the declarations type-check with tsc (moduleResolution ${resolution})`,
    { skip: !existsSync(TSC) && 'typescript is not installed (npm install)' }, async () => {
      await copyFixture('types_consumer.mts', pkg.project);
      const config = `tsconfig.${resolution}.json`;
      await writeFile(join(pkg.project, config), JSON.stringify({
        compilerOptions: {
          strict: true, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [],
          module: resolution === 'bundler' ? 'esnext' : resolution, moduleResolution: resolution,
        },
        files: ['types_consumer.mts'],
      }));
      const r = await sh(process.execPath, [TSC, '-p', config], { cwd: pkg.project });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    });
}

// package.test.mjs — the npm package as a JS user gets it: `npm pack` (its
// prepack builds what it ships), the tarball's exact file list, then an
// offline install of the tarball alone into a fresh project, where Node
// imports and requires 'corio' (on this Node and on the oldest one
// package.json's engines admit) and checks URLs against the HTTP fixtures,
// runs C coroutines, the corio-check bin works (and through npx), npm
// publish --dry-run is clean, and the TypeScript declarations match the
// module and type-check with tsc. Slow: it packs once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { copyFixture, mustRun, packAndInstall, ROOT, sh } from './lib/package.mjs';
import { nodeBinary as oldestNode, version as oldestVersion } from '../../scripts/oldest-node.mjs';

// What the tarball holds: the prebuilt module and wasm, the same with
// threads (one .wasm, a loader for Node and one for pages), its CommonJS
// entries, the JS API (browser and Node entries) and its types, the CLI,
// the README and the LICENSE. The C library is corio-c's (package_c.test.mjs).
const SHIPPED = [
  'LICENSE',
  'README.md',
  'package.json',
  'dist/corio.mjs',
  'dist/corio.wasm',
  'dist/corio.cjs',
  'dist/checker.cjs',
  'dist/threads/corio.wasm',
  'dist/threads/node/corio.cjs',
  'dist/threads/node/corio.worker.js',
  'dist/threads/node/package.json',
  'dist/threads/web/corio.mjs',
  'dist/threads/web/corio.worker.js',
  'npm/checker.d.mts',
  'npm/checker.mjs',
  'npm/checker_node.mjs',
  'cli/corio-check.mjs',
  'cli/args.mjs',
  'cli/output.mjs',
  'npm/network_node.mjs',
  'npm/corio.d.mts',
  'npm/corio.mjs',
  'npm/index.d.mts',
  'npm/index.mjs',
  'npm/node.mjs',
  'npm/platform_node.mjs',
  'npm/safe_text.mjs',
  'npm/fetch_dispatcher_node.mjs',
];
// The tarball JS users download, at most: issue 13's 150 kB for the
// single-threaded package, which it still keeps (about 130 kB), and about
// 130 kB more for the threaded build that issue 16 ships beside it (its
// .wasm once, 67 kB compressed, and two loaders of about 30 kB: 3.1.6
// makes one for Node and one for pages).
const MAX_TARBALL_BYTES = 270_000;

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

test('the tarball holds exactly the modules, wasm, JS entries, types, CLI and README, in 270 kB', () => {
  const files = pkg.pack.files.map((f) => f.path).sort();
  assert.deepEqual(files, [...SHIPPED].sort());
  for (const f of files) assert.doesNotMatch(f, /^(tests|runtime|checker|bench|examples|scripts|build|include)\//);
  assert.ok(pkg.pack.size <= MAX_TARBALL_BYTES, `the tarball is ${pkg.pack.size} bytes`);
});

test('npm publish --dry-run of the tarball warns of nothing but the missing login', async () => {
  const r = await sh('npm', ['publish', '--dry-run', pkg.tarball], { cwd: pkg.dir });
  assert.equal(r.code, 0, r.stderr);
  const warnings = r.stderr
    .split('\n')
    .filter((l) => /\b(warn|ERR)/i.test(l))
    .filter((l) => !/requires you to be logged in/.test(l));
  assert.deepEqual(warnings, []);
  assert.match(r.stderr, /corio-check/); // the bin survived npm's checks
});

test('npx runs corio-check from the tarball, as the README shows', async () => {
  const empty = join(pkg.dir, 'npx-here');
  await mkdir(empty);
  const r = await sh(
    'npx',
    ['--yes', '--offline', '--cache', join(pkg.dir, 'npm-cache'), '--package', pkg.tarball, 'corio-check', '--version'],
    { cwd: empty, timeoutMs: 120_000 },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `corio-check ${pkg.pack.version}`);
});

test('installing runs no build: no install scripts, no dependencies', async () => {
  const manifest = JSON.parse(await readFile(installed('package.json'), 'utf8'));
  for (const script of ['preinstall', 'install', 'postinstall', 'prepare'])
    assert.equal(manifest.scripts?.[script], undefined, `scripts.${script}`);
  assert.equal(manifest.dependencies, undefined);
  assert.equal(manifest.peerDependencies, undefined);
  assert.ok(existsSync(installed('dist/corio.wasm')));
});

// Node versions the package ran on (the test's names say which).
const NODES = [
  [`Node ${process.version}`, process.execPath],
  [`Node v${oldestVersion}, the oldest engines admits`, oldestNode],
];

for (const [nodeName, node] of NODES)
  for (const how of ['import', 'require']) {
    test(`${nodeName}: ${how} 'corio' checks URLs and runs C coroutines, without fetch()`, () =>
      consumerWorks(node, how));
  }

async function consumerWorks(node, how) {
  assert.ok(existsSync(node), `${node} is missing: scripts/ensure-toolchain.sh --test fetches it`);
  await copyFixture('node_consumer.mjs', pkg.project);
  const out = await mustRun(node, ['node_consumer.mjs', fixtures.base, how], { cwd: pkg.project, timeoutMs: 60_000 });
  const line = out.split('\n').find((l) => l.startsWith('REPORT '));
  assert.ok(line, `no report in:\n${out}`);
  const r = JSON.parse(line.slice('REPORT '.length));

  assert.deepEqual(r.exports, [
    'CorioError',
    'attach',
    'checkEach',
    'checkUrls',
    'defaultInstance',
    'iterateChecks',
    'load',
    'normalizeOptions',
    'run',
  ]);
  assert.deepEqual(r.checkerExports, ['checkEach', 'checkUrls', 'iterateChecks', 'normalizeOptions']);
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
  assert.deepEqual(r.progress, [
    [1, 4],
    [2, 4],
    [3, 4],
    [4, 4],
  ]);
  assert.ok(r.sequentialGapMs >= 0, `sequential checks overlapped by ${-r.sequentialGapMs} ms`);
  assert.deepEqual(r.iterateOrder, [1, 0]);
  assert.deepEqual(r.cancelled, ['CORIO_ECANCELLED', 200]);
  // Node 18.0's fetch() does not show undici's Agent, which the carrier
  // needs there: load() says so.
  if (typeof r.fetchCarrier === 'string') assert.match(r.fetchCarrier, /needs undici's Agent, which this Node \(v18\./);
  else assert.deepEqual(r.fetchCarrier, [200]);

  assert.equal(r.run, 2);
  assert.match(out, /all 2 workers done/); // demo_tasks printed through console.log
  assert.deepEqual(r.runError, {
    isError: true,
    isCorioError: true,
    name: 'CorioError',
    code: -3,
    codeName: 'CORIO_EINVAL',
    message: 'n must be 1..10, got 0',
  });
  assert.equal(r.unknown.codeName, 'CORIO_ENOTFOUND');
  assert.equal(r.unknown.isCorioError, true);
  assert.equal(r.runCancelled.codeName, 'CORIO_ECANCELLED');
  assert.match(out, /slow job: cancelled, cleaning up/); // the abort reached the C task
  // Node gets the threaded build, whose worker ran while the heartbeat beat
  // (and whose idle workers let the process end: mustRun waited for it).
  assert.equal(r.threads, true);
  assert.ok(r.hashBeats > 0, `${r.hashBeats} beats`);
  assert.match(out, /hash 5774ae57539d0383 in \d+\.\d\d s; the heartbeat beat \d+ times meanwhile/);
}

for (const [nodeName, node] of NODES) {
  test(`${nodeName}: the corio-check bin checks URLs from node_modules/.bin`, () => binWorks(node));
}

async function binWorks(node) {
  assert.ok(existsSync(node), `${node} is missing: scripts/ensure-toolchain.sh --test fetches it`);
  const bin = join(pkg.project, 'node_modules', '.bin', 'corio-check');
  // The bin's own #! line finds `node` on PATH: put the one under test first.
  const env = { PATH: `${dirname(node)}:${process.env.PATH}` };
  const version = await mustRun(bin, ['--version'], { cwd: pkg.project, env });
  assert.equal(version.trim(), `corio-check ${pkg.pack.version}`);
  const ok = await sh(bin, ['--format', 'json', new URL('/200', fixtures.base).href], {
    cwd: pkg.project,
    env,
    timeoutMs: 60_000,
  });
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout)[0].status, 200);
  const bad = await sh(
    bin,
    ['--format', 'csv', '-t', '0.3', new URL('/404', fixtures.base).href, new URL('/hang', fixtures.base).href],
    { cwd: pkg.project, env, timeoutMs: 60_000 },
  );
  assert.equal(bad.code, 1, bad.stderr);
  assert.match(bad.stdout, /,404,/);
  assert.match(bad.stdout, /CORIO_ETIMEDOUT/);
}

// The value names npm/index.d.mts exports (not its `export type` lines).
function declaredValues(dts) {
  const names = [];
  for (const m of dts.matchAll(/^export \{([^}]*)\} from/gm))
    names.push(
      ...m[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
  return names.sort();
}

test('the declarations name exactly what the module exports', async () => {
  const dts = await readFile(installed('npm/index.d.mts'), 'utf8');
  const out = await mustRun(
    process.execPath,
    ['--input-type=module', '-e', "console.log(JSON.stringify(Object.keys(await import('corio')).sort()))"],
    { cwd: pkg.project },
  );
  assert.deepEqual(declaredValues(dts), JSON.parse(out));
  const manifest = JSON.parse(await readFile(installed('package.json'), 'utf8'));
  assert.equal(manifest.types, './npm/index.d.mts');
  const targets = (entry) => (typeof entry === 'string' ? [entry] : Object.values(entry).flatMap(targets));
  for (const target of targets(manifest.exports)) assert.ok(existsSync(installed(target)), target);
});

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

for (const resolution of ['nodenext', 'node16', 'bundler']) {
  test(
    `the declarations type-check with tsc (moduleResolution ${resolution})`,
    { skip: !existsSync(TSC) && 'typescript is not installed (npm install)' },
    async () => {
      await copyFixture('types_consumer.mts', pkg.project);
      const config = `tsconfig.${resolution}.json`;
      await writeFile(
        join(pkg.project, config),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'es2022',
            lib: ['es2022', 'dom'],
            types: [],
            module: resolution === 'bundler' ? 'esnext' : resolution,
            moduleResolution: resolution,
          },
          files: ['types_consumer.mts'],
        }),
      );
      const r = await sh(process.execPath, [TSC, '-p', config], { cwd: pkg.project });
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    },
  );
}

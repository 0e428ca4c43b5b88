// format.test.mjs — the C sources are as clang-format writes them
// (.clang-format), and the JS as Prettier does (.prettierrc.json; the
// Emscripten JS libraries, which Emscripten preprocesses, are left out by
// .prettierignore): a drift fails `npm test` and names the files. Fix with
// `clang-format -i FILE` / `npx prettier --write FILE`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('../..', import.meta.url));

test('every C file is formatted as .clang-format says', () => {
  const files = spawnSync('git', ['ls-files', '*.c', '*.h'], { cwd: repo, encoding: 'utf8' });
  assert.equal(files.status, 0, files.stderr);
  const list = files.stdout.split('\n').filter(Boolean);
  assert.ok(list.length > 50, `only ${list.length} C files listed`);
  const r = spawnSync('clang-format', ['--dry-run', '--Werror', ...list], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'clang-format is missing: scripts/ensure-toolchain.sh --test installs it');
  const drifted = [...new Set(r.stderr.match(/^[^\s:]+\.[ch](?=:\d+:\d+: error)/gm) ?? [])];
  assert.deepEqual(drifted, [], 'run clang-format -i on these files');
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
});

test('every JS file is formatted as .prettierrc.json says', () => {
  const files = spawnSync('git', ['ls-files', '*.js', '*.mjs', '*.cjs', '*.mts'], { cwd: repo, encoding: 'utf8' });
  assert.equal(files.status, 0, files.stderr);
  const list = files.stdout.split('\n').filter(Boolean);
  assert.ok(list.length > 50, `only ${list.length} JS files listed`);
  const prettier = fileURLToPath(new URL('../../node_modules/.bin/prettier', import.meta.url));
  // --list-different names each file Prettier would change (those it
  // ignores are skipped) and exits 1 if there is one.
  const r = spawnSync(prettier, ['--list-different', ...list], { cwd: repo, encoding: 'utf8' });
  assert.equal(r.error, undefined, 'Prettier is missing: npm ci installs it (a devDependency)');
  const drifted = r.stdout.split('\n').filter(Boolean);
  assert.deepEqual(drifted, [], 'run npx prettier --write on these files');
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
});

// format.test.mjs — the C sources are as clang-format writes them
// (.clang-format): a drift fails `npm test` and names the files. Fix with
// `clang-format -i FILE`. (The JS files are not checked yet: issue 10.)
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

// alloc_fail.test.mjs — allocation-failure injection
// (tests/c/programs/alloc_fail.c): programs on tasks, sync primitives,
// queues, streams and HTTP over loopback, and the checker, each run once
// per N with its Nth allocation failing (malloc, calloc, realloc, strdup,
// strndup, aligned_alloc, posix_memalign, mmap, wrapped in that program's
// link only), for every N up to the last allocation the program makes.
// Every run must end cleanly: the right result or a returned error, never
// an abort, a crash or a hang, and nothing leaked (LeakSanitizer). Then
// every third N with allocation N and all after it failing (the error
// paths get no memory either); `npm run fuzz` sweeps every N of that too.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runNative } from './lib/native_program.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = fileURLToPath(new URL('../../build/native/alloc_fail', import.meta.url));
// Each program, and the fewest allocations a sweep of it must have made
// (so that a program that stopped allocating through corio fails here).
const PROGRAMS = [
  ['tasks', 30],
  ['sync', 15],
  ['queues', 15],
  ['streams', 40],
  ['checker', 150],
];

describe('every allocation failing in turn', { concurrency: 2 }, () => {
  before(() => {
    // Incremental: a no-op when `npm test` has built everything already.
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'build/native/alloc_fail'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building alloc_fail failed:\n${make.stdout}${make.stderr}`);
  });

  const modes = [
    ['whichever allocation fails', ['sweep'], {}],
    ['when every allocation from one on fails (every third)', ['sweep', '1', '0', '3'], { ALLOC_FAIL_ON: '1' }],
  ];
  for (const [how, args, extraEnv] of modes)
    for (const [name, least] of PROGRAMS) {
      test(`the ${name} program ends cleanly ${how}`, async () => {
        // At a low priority: test files run side by side, and others measure time.
        const r = await runNative('nice', ['-n', '15', bin, name, ...args], { timeoutMs: 120_000, extraEnv });
        const summary = new RegExp(
          `^${name}: swept allocations 1\\.\\.(\\d+)( \\(a sample\\))?, (\\d+) unclean$`,
          'm',
        ).exec(r.output);
        assert.ok(summary, `no summary (status ${r.status}, signal ${r.signal}):\n${r.output.slice(-3000)}`);
        const unclean = r.output.split('\n').filter((l) => l.startsWith('UNCLEAN'));
        assert.deepEqual(unclean, [], `unclean runs:\n${r.output.slice(-6000)}`);
        assert.equal(r.status, 0, r.output.slice(-3000));
        assert.ok(Number(summary[1]) >= least * 0.9, `only ${summary[1]} allocations swept`);
      });
    }
});

// c_runner.mjs — what the C test runner (tests/c/runner.c) prints, read one
// way by every test that runs it, native or wasm: its `--list`, the
// `ok NAME` line of a test that passed, and the `N passed, 0 failed` line
// of a run of N tests. `r` is a run's {status, output}.

/** The test names a `--list` run printed, one per line. */
export const listedTests = (output) =>
  output
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

/** Whether test `name` passed in run r (exit 0, and the runner said so). */
export const testPassed = (r, name) => r.status === 0 && new RegExp(`^ok ${name}$`, 'm').test(r.output);

/** Whether all `count` tests of run r passed. */
export const allPassed = (r, count) => r.status === 0 && new RegExp(`^${count} passed, 0 failed$`, 'm').test(r.output);

/** Run output without the lines of tests that passed. */
export const failureLines = (output) =>
  output
    .split('\n')
    .filter((l) => !l.startsWith('ok '))
    .join('\n');

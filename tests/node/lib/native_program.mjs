// native_program.mjs — runs a native program built by emscripten.mk in its
// own process with its output captured and a time limit.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Sanitizer reports with stack traces, LeakSanitizer told of the one leak
// that is glibc's, not corio's (the file says which), and parked tasks'
// stacks checked (runtime/backend.h, CORIO__FIBER_PARKS: a stack written
// while its task is parked aborts the program, one read gives a pattern);
// the caller's settings win.
const suppressions = fileURLToPath(new URL('../../c/lsan_suppressions.txt', import.meta.url));
const env = {
  ...process.env,
  UBSAN_OPTIONS: process.env.UBSAN_OPTIONS ?? 'print_stacktrace=1',
  LSAN_OPTIONS: process.env.LSAN_OPTIONS ?? `suppressions=${suppressions}`,
  CORIO_CHECK_PARKED_STACKS: process.env.CORIO_CHECK_PARKED_STACKS ?? '1',
};

/**
 * Resolves (never rejects) to {status, signal, timedOut, output, stderr}:
 * `output` is stdout followed by stderr. `extraEnv` is added to the
 * environment.
 */
export function runNative(path, args = [], { timeoutMs = 20_000, extraEnv = {} } = {}) {
  return new Promise((resolve) => {
    const child = spawn(path, args, { env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    child.on('error', (e) => err.push(Buffer.from(`spawning ${path}: ${e.message}\n`)));
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString();
      const output = Buffer.concat(out).toString() + stderr;
      resolve({ status, signal, timedOut, output, stderr });
    });
  });
}

/** How a native run ended, in a few words, for failure messages. */
export function describeNativeEnd(r) {
  if (r.timedOut) return 'it did not end in time';
  if (r.signal) return `it was killed by ${r.signal}`;
  return `it exited with status ${r.status}`;
}

// subprocess_children.mjs — the soak run of issue "Subprocesses as streams":
// 10,000 children started and waited one after another, natively, leave
// as many open descriptors as before (/proc/self/fd) and no zombie. It is
// the C test process_children_one_after_another_leave_no_descriptor_and_no_zombie
// (tests/c/test_process.c, 1,000 children in `npm test`) run with
// CORIO_SOAK_CHILDREN; it takes minutes (a few ms per child, more under
// ASan), so `npm test` does not run it: `npm run soak` does.
//
//   node tests/soak/subprocess_children.mjs [N]   (default 10000)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TEST = 'process_children_one_after_another_leave_no_descriptor_and_no_zombie';
const n = process.argv[2] ?? '10000';

const build = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'build/native/corio-tests'], {
  cwd: ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (build.status !== 0) process.exit(1);
const started = Date.now();
const r = spawnSync(`${ROOT}build/native/corio-tests`, [TEST], {
  cwd: ROOT,
  encoding: 'utf8',
  env: { ...process.env, CORIO_SOAK_CHILDREN: n },
});
process.stdout.write(r.stdout);
process.stderr.write(r.stderr);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const ok = r.status === 0 && r.stdout.includes(`ok ${TEST}`) && !r.stdout.includes('not ok');
console.log(`soak: ${n} children one after another: ${ok ? 'no descriptor, no zombie left' : 'FAILED'} (${seconds} s)`);
process.exit(ok ? 0 : 1);

// all.mjs — `npm run bench`: every benchmark script in turn, each given the
// flags it takes, so every documented flag works from npm (`npm run bench
// -- --quick --only=switch,cli_one_url`):
//   bench/run.mjs         the runtime workloads (spawn_join, switch, ...)
//   bench/http_fanout.mjs the checker's fan-out over loopback HTTP
//   bench/cli_one_url.mjs corio-check's start-up against curl's
//   bench/subprocess.mjs  starting children (subprocess, subprocess_parallel)
//   bench/checker_million.mjs 1,000,000 URLs through the CLI and iterateChecks: peak RSS
//   bench/checker_block.mjs   the longest event-loop wait while 100,000 invalid URLs fail
// Each script says what it runs and takes (--describe). --only picks
// workloads and --impls implementations across them (a script with none
// picked is skipped); --quick, --reps and --no-build reach every script
// that takes them; the others reach the script that has them. The build
// runs once, here. Every script's JSON lines go to stdout and, together,
// to --out (default bench/results/latest.jsonl).
//   node bench/all.mjs [--quick] [--only=W,...] [--impls=I,...] [--reps=N] [--no-build]
//                      [--out=FILE] [--timeout=SECONDS] [--urls=N] [--concurrency=N] [--delay=MS]
//                      [--dry-run]   (prints each script's command line, runs nothing)
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const SCRIPTS = [
  'bench/run.mjs',
  'bench/http_fanout.mjs',
  'bench/cli_one_url.mjs',
  'bench/subprocess.mjs',
  'bench/checker_million.mjs',
  'bench/checker_block.mjs',
];

const describe = (script) =>
  JSON.parse(spawnSync(process.execPath, [join(ROOT, script), '--describe'], { encoding: 'utf8' }).stdout);

function fail(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const scripts = SCRIPTS.map((script) => ({ script, ...describe(script) }));
const known = new Set(scripts.flatMap((s) => s.flags).concat('--out', '--dry-run'));
const args = process.argv.slice(2).map((a) => {
  const eq = a.indexOf('=');
  return { flag: eq < 0 ? a : a.slice(0, eq), value: eq < 0 ? null : a.slice(eq + 1), text: a };
});
for (const a of args) if (!known.has(a.flag)) fail(`unknown argument ${a.text} (known: ${[...known].join(' ')})`);
const list = (flag) => {
  const a = args.find((x) => x.flag === flag);
  return a
    ? a.value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
};
const only = list('--only');
const impls = list('--impls');
for (const w of only ?? [])
  if (!scripts.some((s) => s.workloads.includes(w)))
    fail(`unknown workload ${w} (have ${scripts.flatMap((s) => s.workloads).join(', ')})`);
for (const i of impls ?? [])
  if (!scripts.some((s) => s.impls.includes(i)))
    fail(`unknown impl ${i} (have ${[...new Set(scripts.flatMap((s) => s.impls))].join(', ')})`);
const outFile = args.find((a) => a.flag === '--out')?.value || join(ROOT, 'bench', 'results', 'latest.jsonl');
const build = !args.some((a) => a.flag === '--no-build');
const dryRun = args.some((a) => a.flag === '--dry-run');

// One script's arguments: the picked workloads and impls that are its own,
// and every other flag it takes; null when nothing of it is picked.
function argsFor(s) {
  const w = only ? only.filter((x) => s.workloads.includes(x)) : null;
  const i = impls ? impls.filter((x) => s.impls.includes(x)) : null;
  if ((w && w.length === 0) || (i && i.length === 0)) return null;
  const out = [];
  if (w && s.flags.includes('--only')) out.push(`--only=${w.join(',')}`);
  if (i) out.push(`--impls=${i.join(',')}`);
  for (const a of args)
    if (!['--only', '--impls', '--out', '--no-build', '--dry-run'].includes(a.flag) && s.flags.includes(a.flag))
      out.push(a.text);
  if (s.flags.includes('--out')) out.push(`--out=${join(ROOT, 'build', 'bench-part.jsonl')}`);
  return [...out, '--no-build'];
}

function runScript(script, scriptArgs) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, script), ...scriptArgs], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.on('close', (code) => resolve({ code, lines: text.split('\n').filter((l) => l.startsWith('{')) }));
  });
}

if (dryRun) {
  for (const s of scripts) {
    const scriptArgs = argsFor(s);
    if (scriptArgs) console.log(`node ${s.script} ${scriptArgs.join(' ')}`);
  }
  process.exit(0);
}
if (build) {
  console.error('bench: building with make -f emscripten.mk bench-programs dist ...');
  const r = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'bench-programs', 'dist'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (r.status !== 0) process.exit(1);
}
const lines = [];
let status = 0;
for (const s of scripts) {
  const scriptArgs = argsFor(s);
  if (!scriptArgs) continue;
  console.error(`bench: node ${s.script} ${scriptArgs.join(' ')}`);
  const r = await runScript(s.script, scriptArgs);
  lines.push(...r.lines);
  if (r.code !== 0) status = r.code;
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, lines.join('\n') + '\n');
console.error(`bench: ${lines.length} lines written to ${outFile}`);
process.exitCode = status;

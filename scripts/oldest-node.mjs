// oldest-node.mjs — the oldest Node version package.json's "engines"
// admits, as a binary for the package tests (tests/node/package.test.mjs
// runs the installed package with it): fetched once with `npm pack` of the
// registry's node-linux-<arch> package of that version into
// build/oldest-node/ (ensure-toolchain.sh --test calls this). Prints the
// binary's path.
//   node scripts/oldest-node.mjs [--check]   (--check: fail if it is not there)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The lowest version a ">=MAJOR[.MINOR[.PATCH]]" range admits. */
export function oldestAdmitted(range) {
  const m = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(range.trim());
  if (!m) throw new Error(`engines.node is "${range}": only ">=X[.Y[.Z]]" is understood here`);
  return `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}`;
}

export const version = oldestAdmitted(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).engines.node);
const dir = join(root, 'build', 'oldest-node');
/** Where the binary is once fetched. */
export const nodeBinary = join(dir, `node-v${version}`, 'bin', 'node');

function fetchBinary() {
  const name = `node-${process.platform}-${process.arch}@${version}`;
  rmSync(join(dir, 'tmp'), { recursive: true, force: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const file = execFileSync('npm', ['pack', '--silent', name], { cwd: join(dir, 'tmp'), encoding: 'utf8' }).trim();
  execFileSync('tar', ['xzf', file], { cwd: join(dir, 'tmp') });
  renameSync(join(dir, 'tmp', 'package'), join(dir, `node-v${version}`));
  rmSync(join(dir, 'tmp'), { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!existsSync(nodeBinary)) {
    if (process.argv.includes('--check')) {
      console.error(`oldest-node: ${nodeBinary} is missing (scripts/ensure-toolchain.sh --test fetches it)`);
      process.exit(1);
    }
    console.error(
      `oldest-node: fetching Node ${version} (npm pack node-${process.platform}-${process.arch}@${version})`,
    );
    fetchBinary();
  }
  console.log(nodeBinary);
}

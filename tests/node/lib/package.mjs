// package.mjs — what the npm package tests share: `npm pack` of this
// repository (its prepack script builds dist/), and for C users of
// build/corio-c (make package-c), one pack at a time across test files
// running at once; a fresh project that installs the tarballs offline, from
// the tarballs alone; and the README's build lines for C users
// (tests/fixtures/package/c_users.sh), run there.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../fixtures/package/', import.meta.url));
const LOCK = join(ROOT, 'build', 'npm-pack.lock');

// The environment of the npm and emcc commands: none of the npm_* variables
// of an `npm test` around us (its lifecycle, its config), no update checks.
function cleanEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  return { ...env, NO_UPDATE_NOTIFIER: '1', npm_config_update_notifier: 'false', ...extra };
}

/**
 * Runs a command; resolves to {code, stdout, stderr} whatever its exit
 * status (a spawn failure rejects).
 */
export function sh(file, args, { cwd, env, timeoutMs = 600_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd,
        env: cleanEnv(env),
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve({ code: error ? error.code : 0, stdout, stderr });
      },
    );
  });
}

/** Runs a command that must succeed; returns its stdout. */
export async function mustRun(file, args, options) {
  const r = await sh(file, args, options);
  if (r.code !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
};

// Runs fn holding build/npm-pack.lock (a directory: mkdir is atomic), so
// packs from several test files never run make on the same tree at once. A
// lock whose process has died is taken over.
async function withPackLock(fn) {
  await mkdir(join(ROOT, 'build'), { recursive: true });
  const deadline = Date.now() + 20 * 60_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      await writeFile(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      const pid = Number(await readFile(join(LOCK, 'pid'), 'utf8').catch(() => ''));
      if (pid > 0 && !alive(pid)) await rm(LOCK, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`${LOCK} is still held by process ${pid || '?'}`);
      else await new Promise((r) => setTimeout(r, 250));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

const npmPack = async (cwd, dir) => {
  const stdout = await mustRun('npm', ['pack', '--json', '--pack-destination', dir], { cwd });
  return JSON.parse(stdout.slice(stdout.indexOf('[')))[0];
};

/**
 * Packs the repository (and with `c`, build/corio-c, the C users' package)
 * into a new temporary directory and installs the tarballs, offline and
 * with an empty npm cache, into a fresh project there. Resolves to {dir,
 * project, tarball, pack (npm pack --json's entry), cTarball, cPack,
 * cleanup()}.
 */
export async function packAndInstall({ c = false } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'corio-package-'));
  const { pack, cPack } = await withPackLock(async () => {
    const packed = { pack: await npmPack(ROOT, dir) };
    if (c) {
      await mustRun('make', ['-f', 'emscripten.mk', 'package-c'], { cwd: ROOT });
      packed.cPack = await npmPack(join(ROOT, 'build', 'corio-c'), dir);
    }
    return packed;
  });
  const tarball = join(dir, pack.filename);
  const cTarball = cPack && join(dir, cPack.filename);
  const project = join(dir, 'project');
  await mkdir(project);
  await writeFile(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'corio-consumer',
        version: '1.0.0',
        private: true,
        type: 'module',
      },
      null,
      2,
    ),
  );
  await mustRun(
    'npm',
    [
      'install',
      '--offline',
      '--no-audit',
      '--no-fund',
      '--cache',
      join(dir, 'npm-cache'),
      tarball,
      ...(cTarball ? [cTarball] : []),
    ],
    { cwd: project },
  );
  return { dir, project, tarball, pack, cTarball, cPack, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Copies tests/fixtures/package/NAME into `project`. */
export function copyFixture(name, project) {
  return copyFile(join(FIXTURES, name), join(project, name));
}

// c_users.sh, split into blocks at blank lines: the file comment, the
// setup (variables), then one block per build, each named by its comment.
async function cUserBlocks() {
  const text = await readFile(join(FIXTURES, 'c_users.sh'), 'utf8');
  const [, setup, ...builds] = text.trim().split(/\n\s*\n/);
  return { setup, builds };
}

/**
 * Runs the c_users.sh block whose comment line starts with `title` (with
 * its setup first) in `project`, under bash -e, after `change` (a test's
 * edit of the block's text); resolves to {code, stdout, stderr}.
 */
export async function runCUserBlock(project, title, change = (block) => block) {
  const { setup, builds } = await cUserBlocks();
  const block = builds.find((b) => b.startsWith(`# ${title}`));
  if (!block) throw new Error(`c_users.sh has no block "# ${title}"`);
  return sh('bash', ['-e', '-c', `${setup}\n${change(block)}\n`], { cwd: project });
}

/** The lines of c_users.sh that README.md must show as they are. */
export async function cUserReadmeLines() {
  const text = await readFile(join(FIXTURES, 'c_users.sh'), 'utf8');
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
}

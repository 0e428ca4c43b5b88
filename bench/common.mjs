// common.mjs — what the benchmark scripts share: the median, and building
// the dist module before a run.
import { spawnSync } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** make -f emscripten.mk dist; on failure prints why (as `who`) and exits 1. */
export function buildDist(who) {
  const r = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'dist'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`${who}: building dist failed:\n${r.stderr}`);
    process.exit(1);
  }
}

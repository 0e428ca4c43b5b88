// status_numbers.test.mjs — corio's status numbers are written once, in
// CORIO_STATUS_MAP (include/corio.h): JS gets them from the generated
// library (scripts/gen-status-library.mjs), never by retyping them. These
// tests fail if a JS file of the project spells a status number by hand,
// or if the generated table and the wasm disagree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readStatusMap } from '../../scripts/gen-status-library.mjs';
import { load } from '../../npm/node.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
const rows = readStatusMap(readFileSync(join(repo, 'include/corio.h'), 'utf8'));
const names = rows.map(([name]) => name).filter((n) => n !== 'OK' && n !== 'END');

// Every JS file the project writes (not tests, not what the build makes).
const SOURCE_DIRS = ['runtime', 'checker', 'npm', 'cli', 'page', 'server', 'scripts', 'bench', 'examples'];
function jsFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return jsFiles(path);
    return /\.(m?js|cjs)$/.test(name) ? [path] : [];
  });
}

/** The places in `text` where a status number is spelled by hand. */
export function handSpelledStatuses(text) {
  const found = [];
  // A status name given a number: `EDNS: -18`, `ENOMEM = -4`.
  const named = new RegExp(`\\b(?:CORIO_)?(${names.join('|')})\\b['"]?\\s*[:=]\\s*-?\\d+`, 'g');
  for (const m of text.matchAll(named)) found.push(m[0]);
  // A number handed to CorioError as its code.
  for (const m of text.matchAll(/new\s+CorioError\(\s*-?\d+/g)) found.push(m[0]);
  return found;
}

test('the guard finds a status number spelled by hand', () => {
  assert.deepEqual(handSpelledStatuses('var t = {EDNS: -18};'), ['EDNS: -18']);
  assert.deepEqual(handSpelledStatuses("throw new CorioError(-4, 'x')"), ['new CorioError(-4']);
  assert.deepEqual(handSpelledStatuses('fail(CorioStatus.EDNS, msg)'), []);
});

test('no JS file of the project spells a status number by hand', () => {
  const offenders = SOURCE_DIRS.flatMap((d) => jsFiles(join(repo, d))).flatMap((file) =>
    handSpelledStatuses(readFileSync(file, 'utf8')).map((what) => `${relative(repo, file)}: ${what}`),
  );
  assert.deepEqual(offenders, []);
});

test("the generated table is the module's: every name has its number in the wasm", async () => {
  const corio = await load();
  assert.ok(corio.status, 'the module exposes corioStatus');
  for (const [name, code] of rows) {
    assert.equal(corio.status[name], code, name);
    if (code < 0) assert.equal(corio.module.UTF8ToString(corio.module._corio_export_err_name(code)), `CORIO_${name}`);
  }
});

// gen-status-library.mjs — writes the Emscripten JS library that gives JS
// corio's status codes: `node scripts/gen-status-library.mjs OUT.js`. The
// codes are read from CORIO_STATUS_MAP in include/corio.h, the one place
// they are written; the JS libraries use CorioStatus.NAME, and npm/corio.mjs
// gets the same table as Module.corioStatus. emscripten.mk runs this.
import { readFileSync, writeFileSync } from 'node:fs';

/** The status map of corio.h as [name, code, message] rows. */
export function readStatusMap(header) {
  const rows = [...header.matchAll(/^\s*XX\((\w+),\s*(-?\d+),\s*("(?:[^"\\]|\\.)*")\)/gm)];
  if (rows.length === 0) throw new Error('no CORIO_STATUS_MAP rows found');
  return rows.map(([, name, code, message]) => [name, Number(code), JSON.parse(message)]);
}

function library(rows) {
  const table = rows.map(([name, code]) => `    ${name}: ${code},`).join('\n');
  return `// Generated from include/corio.h (CORIO_STATUS_MAP) by
// scripts/gen-status-library.mjs: do not edit.
mergeInto(LibraryManager.library, {
  $CorioStatus__postset: 'Module["corioStatus"] = CorioStatus;',
  $CorioStatus: {
${table}
  },
});
`;
}

const [out] = process.argv.slice(2);
if (out) {
  const header = readFileSync(new URL('../include/corio.h', import.meta.url), 'utf8');
  writeFileSync(out, library(readStatusMap(header)));
}

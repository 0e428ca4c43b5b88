// types.test.mjs — the TypeScript declarations (npm/*.d.mts) cannot drift
// from the code: tsc --strict type-checks tests/types/usage.mts against the
// package (as 'corio', by its own exports), where every call marked
// @ts-expect-error must be refused; then the compiled file runs against the
// HTTP fixtures, where those same calls must throw and the others work.
// And the option and result names the declarations give are the ones the
// code takes and returns. Build first: make -f emscripten.mk dist.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import ts from 'typescript';
import { startFixtures } from '../fixtures/http_fixture.mjs';
import { checkUrls, normalizeOptions } from '../../npm/checker_node.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT = join(ROOT, 'build', 'types-test');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

let fixtures;
before(async () => {
  fixtures = await startFixtures();
});
after(() => fixtures.close());

const sh = (file, args) =>
  new Promise((resolve) => {
    execFile(file, args, { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr }),
    );
  });

test('tsc --strict accepts the typed uses and refuses each marked one; run, the refused ones throw', async () => {
  await rm(OUT, { recursive: true, force: true });
  await mkdir(OUT, { recursive: true });
  const config = join(OUT, 'tsconfig.json');
  await writeFile(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        types: [],
        skipLibCheck: false,
        outDir: OUT,
        rootDir: join(ROOT, 'tests', 'types'),
      },
      files: [join(ROOT, 'tests', 'types', 'usage.mts'), join(ROOT, 'tests', 'types', 'node.d.ts')],
    }),
  );
  const tsc = await sh(process.execPath, [TSC, '-p', config]);
  assert.equal(tsc.code, 0, `${tsc.stdout}\n${tsc.stderr}`);
  const run = await sh(process.execPath, [join(OUT, 'usage.mjs'), fixtures.base]);
  assert.equal(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout.trim().split('\n').at(-1));
  assert.deepEqual(report, { failures: [], statuses: [200, 404], retries: 2, value: 1 }); // why: undefined
});

test('a @ts-expect-error that stops failing fails the check (the test can fail)', async () => {
  await mkdir(OUT, { recursive: true });
  const file = join(OUT, 'unused.mts');
  await writeFile(file, "import { checkUrls } from 'corio';\n// @ts-expect-error\nawait checkUrls([]);\n");
  const config = join(OUT, 'tsconfig.unused.json');
  await writeFile(
    config,
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'],
        types: [],
      },
      files: [file],
    }),
  );
  const r = await sh(process.execPath, [TSC, '-p', config]);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout, /Unused '@ts-expect-error' directive/);
});

// The property names of an interface of npm/checker.d.mts, with whether each is optional.
function declared(name) {
  const file = join(ROOT, 'npm', 'checker.d.mts');
  const program = ts.createProgram([file], { strict: true, target: ts.ScriptTarget.ES2022, types: [] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const node = source.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
  return checker
    .getPropertiesOfType(checker.getTypeAtLocation(node))
    .map((p) => [p.name, (p.flags & ts.SymbolFlags.Optional) !== 0]);
}

test('CheckOptions names exactly the options checkUrls takes', () => {
  const names = declared('CheckOptions')
    .map(([n]) => n)
    .sort();
  // Each declared name is accepted (normalizeOptions refuses unknown ones) ...
  for (const n of names) assert.doesNotThrow(() => normalizeOptions({ [n]: undefined }), n);
  // ... and the code's defaults and listeners are all declared.
  const defaults = Object.keys(normalizeOptions({}));
  for (const n of defaults) assert.ok(names.includes(n), `${n} is not declared`);
  assert.throws(() => normalizeOptions({ notAnOption: 1 }), TypeError);
});

test('CheckResult names exactly the fields a result has', async () => {
  const [r] = await checkUrls([new URL('/200', fixtures.base).href]);
  const fields = declared('CheckResult');
  const required = fields
    .filter(([, optional]) => !optional)
    .map(([n]) => n)
    .sort();
  assert.deepEqual(Object.keys(r).sort(), required);
  for (const k of Object.keys(r))
    assert.ok(
      fields.some(([n]) => n === k),
      `${k} is not declared`,
    );
});

// examples.test.mjs — every program under examples/ that has an
// examples/NAME.expected file is built natively and to wasm, and each run
// must exit 0 and print exactly the expected output (so the README's
// example, and the guide's examples, cannot silently go stale).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeNativeEnd, runNative } from './lib/native_program.mjs';
import { compileWasm, describeWasmEnd, runWasm } from './lib/wasm_program.mjs';

const examples = new URL('../../examples/', import.meta.url);
const build = new URL('../../build/', import.meta.url);
const names = readdirSync(examples)
  .filter((f) => f.endsWith('.expected'))
  .map((f) => f.slice(0, -9));

const lines = (text) =>
  text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l !== '');

describe('examples print their expected output', { concurrency: 2 }, () => {
  for (const name of names) {
    const expected = lines(readFileSync(new URL(`${name}.expected`, examples), 'utf8'));

    test(`${name}, natively`, async () => {
      const r = await runNative(fileURLToPath(new URL(`native/${name}`, build)));
      assert.equal(r.status, 0, `${describeNativeEnd(r)}\n${r.output}`);
      assert.deepEqual(lines(r.output), expected);
    });

    test(`${name}, as wasm`, async () => {
      const factory = new URL(`wasm/${name}.mjs`, build);
      const r = await runWasm(factory, await compileWasm(factory));
      assert.equal(r.status, 0, `${describeWasmEnd(r)}\n${r.output}`);
      assert.deepEqual(lines(r.output), expected);
    });
  }
});

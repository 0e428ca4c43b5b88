// examples_index.test.mjs — the build's dist/examples/ (the demo page's
// Examples tab): index.json lists every program under examples/ (each
// examples/*.c with a main()), with the title its file comment gives, and
// each has its wasm build and its source beside it. Needs a built dist/
// (make -f emscripten.mk dist).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { exampleTitle } from '../../scripts/examples_index.mjs';

const examples = new URL('../../examples/', import.meta.url);
const dist = new URL('../../dist/examples/', import.meta.url);
const REBUILD = 'rebuild it: make -f emscripten.mk dist';

const programs = readdirSync(examples)
  .filter((f) => f.endsWith('.c') && /\bint\s+main\s*\(/.test(readFileSync(new URL(f, examples), 'utf8')))
  .map((f) => f.slice(0, -2))
  .sort();

describe('dist/examples/index.json', () => {
  const indexUrl = new URL('index.json', dist);

  test('lists every example program under examples/, by name', () => {
    assert.ok(existsSync(indexUrl), `dist/examples/index.json is missing: ${REBUILD}`);
    const { examples: listed } = JSON.parse(readFileSync(indexUrl, 'utf8'));
    assert.deepEqual(
      listed.map((e) => e.name),
      programs,
      REBUILD,
    );
  });

  test('gives each the title its file comment starts with', () => {
    const { examples: listed } = JSON.parse(readFileSync(indexUrl, 'utf8'));
    for (const { name, title } of listed) {
      assert.equal(title, exampleTitle(readFileSync(new URL(`${name}.c`, examples), 'utf8'), `${name}.c`));
      assert.ok(title.length > 0 && title !== name, `${name}.c has no file comment to take a title from`);
    }
  });

  test("has each program's wasm build and its source beside it", () => {
    for (const name of programs) {
      for (const ext of ['mjs', 'wasm'])
        assert.ok(existsSync(new URL(`${name}.${ext}`, dist)), `dist/examples/${name}.${ext} is missing: ${REBUILD}`);
      assert.equal(
        readFileSync(new URL(`${name}.c`, dist), 'utf8'),
        readFileSync(new URL(`${name}.c`, examples), 'utf8'),
        `dist/examples/${name}.c is stale: ${REBUILD}`,
      );
    }
  });

  test('marks the examples built with threads too (to_thread among them), with their threaded build beside', () => {
    const { examples: listed } = JSON.parse(readFileSync(indexUrl, 'utf8'));
    const threaded = listed.filter((e) => e.threads).map((e) => e.name);
    assert.ok(threaded.includes('to_thread'), `${threaded}`);
    for (const e of listed) assert.ok(e.threads === true || !('threads' in e), JSON.stringify(e));
    for (const name of threaded)
      for (const ext of ['mjs', 'wasm', 'worker.js'])
        assert.ok(
          existsSync(new URL(`threads/${name}.${ext}`, dist)),
          `dist/examples/threads/${name}.${ext} is missing: ${REBUILD}`,
        );
  });
});

describe('exampleTitle', () => {
  test("takes the file comment's first sentence up to its colon, without the file name", () => {
    const source =
      "/*\n * hello.c — the README's example: three tasks run concurrently and\n" +
      ' * are gathered.\n */\n#include <stdio.h>\n';
    assert.equal(exampleTitle(source, 'hello.c'), "the README's example");
  });

  test('joins the lines of the first sentence', () => {
    const source = '/*\n * queue.c — a producer and three workers sharing a bounded\n' + ' * queue. More text.\n */\n';
    assert.equal(exampleTitle(source, 'queue.c'), 'a producer and three workers sharing a bounded queue');
  });

  test('reads // comments too', () => {
    assert.equal(exampleTitle('// streams.c - open_connection in C.\nint x;\n', 'streams.c'), 'open_connection in C');
  });

  test("is the program's name when the file has no comment", () => {
    assert.equal(exampleTitle('int main(void) { return 0; }\n', 'bare.c'), 'bare');
  });
});

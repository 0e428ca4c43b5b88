// fuzz.test.mjs — a smoke run of each libFuzzer harness (tests/fuzz/: the
// URL parser, the response head, chunked bodies, sized bodies and framing):
// 20 seconds each (CORIO_FUZZ_SECONDS overrides), two at a time, from the
// seed corpus the project's response corpus gives (tests/fuzz/seeds.c) into
// a fresh corpus, at a low priority (nice 15: test files run side by side,
// and others measure time). A broken invariant or a sanitizer report fails
// the test with the fuzzer's report. `npm run fuzz` runs them for longer.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { FUZZERS, runFuzzer, writeSeeds } from '../../scripts/fuzz.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const SECONDS = Number(process.env.CORIO_FUZZ_SECONDS ?? 20);
const work = mkdtempSync(`${tmpdir()}/corio-fuzz-`);
after(() => rmSync(work, { recursive: true, force: true }));

describe('libFuzzer smoke runs', { concurrency: 2 }, () => {
  before(() => {
    // Incremental: a no-op when `npm test` has built everything already.
    const make = spawnSync('make', ['-f', 'emscripten.mk', '-j2', 'fuzzers'], {
      cwd: repo,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    assert.equal(make.status, 0, `building the fuzzers failed:\n${make.stdout}${make.stderr}`);
    writeSeeds(`${work}/seeds`);
  });

  for (const name of FUZZERS) {
    test(`fuzz_${name} holds its invariants for ${SECONDS} s`, { timeout: (SECONDS + 60) * 1000 }, async () => {
      const r = await runFuzzer(name, {
        seconds: SECONDS,
        corpus: `${work}/corpus/${name}`,
        seeds: `${work}/seeds/${name}`,
        artifacts: work,
        nice: 15,
      });
      assert.ok(
        r.ok,
        `fuzz_${name} failed (status ${r.status}, signal ${r.signal}):\n` + r.output.split('\n').slice(-80).join('\n'),
      );
      // It fuzzed rather than stopping at once.
      assert.ok(r.runs > 1000, `fuzz_${name} ran only ${r.runs} inputs`);
    });
  }
});

// examples_index.mjs — writes the index of the demo page's Examples tab
// (page/examples_tab.mjs): each example's name, a title taken from the
// first sentence of its file comment, and `threads: true` for those built
// threaded too (dist/examples/threads/NAME.mjs, which an isolated page
// runs).
//
//   node scripts/examples_index.mjs OUT.json [--threads=NAME,...] examples/NAME.c...
//
// emscripten.mk runs it for dist/examples/index.json with every example
// that has a main(); the tests import exampleTitle().
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { pathToFileURL } from 'node:url';

const MAX_TITLE = 100;

// The first paragraph of the comment that opens `source` (/* */ or //
// lines), its lines joined, or '' if the file opens with code.
function firstCommentParagraph(source) {
  const text = source.trimStart();
  let lines;
  if (text.startsWith('/*')) {
    const end = text.indexOf('*/');
    lines = text
      .slice(2, end < 0 ? undefined : end)
      .split('\n')
      .map((l) => l.replace(/^\s*\*?\s?/, ''));
  } else {
    lines = [];
    for (const l of text.split('\n')) {
      if (!/^\s*\/\//.test(l)) break;
      lines.push(l.replace(/^\s*\/\/\s?/, ''));
    }
  }
  const paragraph = [];
  for (const l of lines) {
    if (l.trim() === '') {
      if (paragraph.length) break;
      continue;
    }
    paragraph.push(l.trim());
  }
  return paragraph.join(' ');
}

/**
 * The title of the example `fileName` (e.g. "hello_tasks.c") whose text is
 * `source`: its file comment's first line without the "NAME.c — " prefix,
 * up to the first ": " or end of sentence (the rest is the description);
 * the name itself if the file has no comment.
 */
export function exampleTitle(source, fileName) {
  let text = firstCommentParagraph(source);
  const prefix = new RegExp(`^${fileName.replace(/\./g, '\\.')}\\s*(?:—|–|-|:)\\s*`);
  text = text.replace(prefix, '');
  const stop = text.search(/: |\.(?:\s|$)/);
  if (stop >= 0) text = text.slice(0, stop);
  text = text.trim();
  if (text.length > MAX_TITLE) text = `${text.slice(0, text.lastIndexOf(' ', MAX_TITLE - 1))}…`;
  return text || basename(fileName, '.c');
}

/**
 * The index of the given example sources: [{name, title}, with threads:
 * true for the names in `threaded`], by name.
 */
export function examplesIndex(files, threaded = []) {
  return files
    .map((file) => {
      const name = basename(file, '.c');
      const entry = { name, title: exampleTitle(readFileSync(file, 'utf8'), basename(file)) };
      return threaded.includes(name) ? { ...entry, threads: true } : entry;
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function main() {
  const args = process.argv.slice(2);
  const out = args.shift();
  const flag = '--threads=';
  const threaded = args[0]?.startsWith(flag) ? args.shift().slice(flag.length).split(',').filter(Boolean) : [];
  const names = args.map((f) => basename(f, '.c'));
  if (!out || !args.every((f) => f.endsWith('.c')) || !threaded.every((n) => names.includes(n))) {
    console.error('usage: node scripts/examples_index.mjs OUT.json [--threads=NAME,...] examples/NAME.c...');
    process.exit(2);
  }
  writeFileSync(out, `${JSON.stringify({ examples: examplesIndex(args, threaded) }, null, 2)}\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main();

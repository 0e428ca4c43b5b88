// corio-c-package.mjs — writes the package.json and README.md of the corio-c
// package (the C library for C users; emscripten.mk package-c puts its
// files in DIR), taking the version, license and repository from the
// repository's package.json, so the two packages cannot disagree.
//   node scripts/corio-c-package.mjs DIR
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node scripts/corio-c-package.mjs DIR');
  process.exit(2);
}
const root = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const manifest = {
  name: 'corio-c',
  version: root.version,
  description:
    'corio for C users: the asyncio-style runtime as a wasm static library, ' +
    'its header and the Emscripten JS libraries it links with',
  keywords: ['asyncio', 'coroutines', 'webassembly', 'emscripten', 'c'],
  license: root.license,
  author: root.author,
  homepage: root.homepage,
  repository: root.repository,
  bugs: root.bugs,
  files: [
    'include/corio.h',
    'lib/libcorio.a',
    'lib/library_status.js',
    'lib/library_fiber.js',
    'lib/library_host.js',
    'lib/library_net.js',
    'lib/library_process.js',
    'LICENSE',
  ],
};
writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
writeFileSync(
  join(dir, 'README.md'),
  `# corio-c

The C side of [corio](${root.homepage}), for building your own C programs
against it with Emscripten 3.1.6:

| file | what it is |
|---|---|
| \`include/corio.h\` | the API, documented where declared |
| \`lib/libcorio.a\` | the runtime, built for wasm (LLVM bitcode: \`-flto\`) |
| \`lib/library_status.js\`, \`lib/library_fiber.js\`, \`lib/library_host.js\`, \`lib/library_net.js\`, \`lib/library_process.js\` | the Emscripten JS libraries it needs: the status table, the task switch, the event loop, the stream transports, subprocesses |

The build lines are in corio's README, "For C users". To run C coroutines
from JS, install \`corio\` (its \`load()\`) beside this package.
`,
);

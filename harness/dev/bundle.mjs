// `npm run build`'s last compiling step: the command line bundled into dist/cli/ (its entry main.js, the training
// worker engine-worker.js, and chunks shared between them and the commands each loaded on demand). Node loads one
// bundled module much faster than the ~80 modules of the compiled tree (tens of milliseconds of every start);
// the tree (dist/harness/, dist/reference/, ...) stays for whoever imports the package's modules. Run in the
// repository root, after tsc.
import { cpSync } from 'node:fs';
import { build } from 'esbuild';

await build({
  entryPoints: { main: 'harness/cli/main.ts', 'engine-worker': 'train/engine-worker.ts' },
  outdir: 'dist/cli',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // TF.js is an optional peer and tsx a loader, both resolved at run time where they are installed
  external: ['@tensorflow/*', 'tsx', 'tsx/*'],
  // the bundled CommonJS packages (commander, picomatch) require Node's built-in modules
  banner: {
    js: "import { createRequire as __tconfCreateRequire } from 'node:module'; const require = __tconfCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
// report.html's assets, read beside the code that renders it (harness/report/html.ts)
cpSync('harness/report/html', 'dist/cli/html', { recursive: true, filter: (p) => !p.endsWith('.test.ts') });

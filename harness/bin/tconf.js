#!/usr/bin/env node
// The `tconf` command. An installed package carries no sources, only the build (`npm run build`, dist/, whose
// command line is bundled into dist/cli/). In the
// repository it runs the build only while the build is fresh: stamped when it started, and no compiled source
// (nor package.json or a tsconfig) changed, appeared or went since, so a stale build never runs; else the TypeScript sources,
// through tsx's loader (half a second slower to start).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const built = new URL('../../dist/cli/main.js', import.meta.url).href;
const source = new URL('../cli/main.ts', import.meta.url);

/** Whether dist/ was built from the sources as they are now (the stamp is written last, with the build's start time). */
function buildIsFresh() {
  let stamp;
  try {
    stamp = statSync(`${root}dist/build-stamp`).mtimeMs;
  } catch {
    return false;
  }
  const newer = (path) => statSync(path).mtimeMs > stamp;
  if (['package.json', 'tsconfig.json', 'tsconfig.build.json'].some((f) => newer(root + f))) return false;
  for (const dir of ['harness', 'reference', 'train', 'examples/tfjs']) {
    if (!existsSync(root + dir)) continue;
    for (const e of readdirSync(root + dir, { recursive: true, withFileTypes: true })) {
      // a directory's time moves when a file in it is added, removed or renamed
      if (!e.isDirectory() && (e.name.endsWith('.test.ts') || !/\.(ts|js|mjs|css)$/.test(e.name))) continue;
      if (newer(`${e.parentPath ?? e.path}/${e.name}`)) return false;
    }
  }
  return true;
}

if (existsSync(source) && !buildIsFresh()) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(built);
}

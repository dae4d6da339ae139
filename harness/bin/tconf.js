#!/usr/bin/env node
// The `tconf` command. In the repository it runs the TypeScript sources through tsx's loader (no build step, so
// a stale build never runs); an installed package carries no sources, only the build (`npm run build`, dist/).
import { existsSync } from 'node:fs';

const source = new URL('../cli/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(source.href);
} else {
  await import(new URL('../../dist/harness/cli/main.js', import.meta.url).href);
}

// The code's identity, which keys every code-derived cache entry: in a checkout it moves with any change of a
// source file (edited, added, removed) or of the lock files, and with nothing else; from the build it is the build's id.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeIdentity } from './cache.js';

const root = mkdtempSync(join(tmpdir(), 'tconf-code-id-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const write = (path: string, text: string) => {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
};

describe('the code identity', () => {
  write('harness/fixtures/load.ts', 'export {};');
  write('reference/model.ts', 'export {};');
  write('spec/fixture.schema.json', '{}');
  write('package-lock.json', '{}');

  it('is stable while nothing changes, and ignores tests and files outside the sources', () => {
    const before = codeIdentity(root, false);
    write('harness/fixtures/load.test.ts', 'test');
    write('fixtures/x.yaml', 'id: x');
    write('reports/errata.md', '#');
    expect(codeIdentity(root, false)).toBe(before);
  });

  it.each([
    ['an edited source', () => write('reference/model.ts', 'export const x = 1;')],
    ['a touched source', () => utimesSync(join(root, 'harness/fixtures/load.ts'), new Date(), new Date(2001, 1, 1))],
    ['a new source', () => write('train/ops.ts', 'export {};')],
    ['a removed source', () => rmSync(join(root, 'train/ops.ts'))],
    ['an edited schema', () => write('spec/fixture.schema.json', '{ }')],
    ['a reinstall', () => write('node_modules/.package-lock.json', '{}')],
  ])('moves with %s', (_, change) => {
    const before = codeIdentity(root, false);
    change();
    expect(codeIdentity(root, false)).not.toBe(before);
  });

  it("is the build's id when run from the build, whatever the sources", () => {
    write('dist/build-id', 'abc');
    const built = codeIdentity(root, true);
    write('reference/model.ts', 'export const y = 2;');
    expect(codeIdentity(root, true)).toBe(built);
    write('dist/build-id', 'abd');
    expect(codeIdentity(root, true)).not.toBe(built);
    rmSync(join(root, 'dist/build-id'));
    expect(codeIdentity(root, true)).not.toBe(codeIdentity(root, true)); // no id: nothing code-derived is reused
  });
});

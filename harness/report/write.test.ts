import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureWritableDir, IN_PROGRESS_FILE, markRunStarted, writeFileAtomically, writeFileSet } from './write.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'tconf-write-'));

describe('writing reports', () => {
  it('creates missing directories level by level and refuses files and unwritable places', () => {
    const d = join(tmp(), 'a', 'b', 'c');
    ensureWritableDir(d);
    expect(existsSync(d)).toBe(true);
    const f = join(tmp(), 'file');
    writeFileSync(f, 'x');
    expect(() => ensureWritableDir(f)).toThrow(/is a file, not a directory/);
    expect(() => ensureWritableDir(join(f, 'below'))).toThrow(/is a file, not a directory/);
    expect(() => ensureWritableDir('/proc/tconf-nope/x')).toThrow(/cannot create \/proc\/tconf-nope/);
  });

  it('replaces a set of files and clears the in-progress marker; leaves no temporary file', () => {
    const d = tmp();
    markRunStarted(d, 'run 1');
    expect(existsSync(join(d, IN_PROGRESS_FILE))).toBe(true);
    const paths = writeFileSet(
      d,
      [
        ['a.json', '{}'],
        ['b.md', '# b'],
      ],
      'run 1',
    );
    expect(paths).toEqual([join(d, 'a.json'), join(d, 'b.md')]);
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.md']);
    writeFileAtomically(join(d, 'a.json'), '{"v":2}');
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('{"v":2}');
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.md']);
  });

  it('keeps the old set whole when a file of the new one cannot be written', () => {
    const d = tmp();
    writeFileSet(
      d,
      [
        ['a.json', 'old'],
        ['b.md', 'old'],
      ],
      'run 1',
    );
    expect(() =>
      writeFileSet(
        d,
        [
          ['a.json', 'new'],
          ['no/such/dir/b.md', 'new'],
        ],
        'run 2',
      ),
    ).toThrow();
    expect(readFileSync(join(d, 'a.json'), 'utf8')).toBe('old');
    expect(readdirSync(d).sort()).toEqual(['a.json', 'b.md']);
  });
});

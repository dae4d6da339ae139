import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { tconf } from '../testing/cli.js';

describe('tconf list --json', () => {
  it("prints every claim; the README's example row is one of them, exactly as printed", async () => {
    const r = await tconf(['list', '--json']);
    expect(r.code).toBe(0);
    const rows: { id: string }[] = JSON.parse(r.out);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const at = readme.indexOf('`npx tconf list --json` prints one JSON array');
    expect(at).toBeGreaterThan(-1);
    const block = readme.slice(at).match(/```json\n([\s\S]*?)```/)![1];
    const shown: { id: string }[] = JSON.parse(block);
    expect(shown).toHaveLength(1);
    expect(rows.find((row) => row.id === shown[0].id)).toEqual(shown[0]);
  });
});

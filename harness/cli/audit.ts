// `tconf audit`: the errata audit of the seeds, a computed verdict for every printed number; `--write`
// regenerates reports/errata.md. Exit 1 when a verdict differs from the one its fixture records.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERRATA_FILE, renderErrata, rootCauses, rootEntryNumbers } from '../audit/errata.js';
import { correctSeeds, seedPatch } from '../audit/patch.js';
import { readSeedTexts } from '../fixtures/seeds.js';
import { auditSuiteCached } from '../audit/cache.js';
import { kept, ONLY } from './audit-filter.js';
import { suiteOrExit } from './suite.js';
import { EXIT } from './usage.js';

export async function auditCommand(o: {
  json?: boolean;
  write?: boolean;
  patch?: boolean;
  files?: string;
  only?: string[];
}): Promise<number> {
  if ((o.write || o.patch) && (o.files || o.only)) {
    console.error(`tconf audit ${o.write ? '--write' : '--patch'} covers every claim; drop --files and --only`);
    return EXIT.usage;
  }
  if (o.patch && (o.write || o.json)) {
    console.error('tconf audit --patch writes the diff alone; drop --write and --json');
    return EXIT.usage;
  }
  const unknown = (o.only ?? []).filter((w) => !(ONLY as readonly string[]).includes(w));
  if (unknown.length) {
    console.error(`tconf audit --only: unknown '${unknown.join("', '")}' (one or more of ${ONLY.join(', ')})`);
    return EXIT.usage;
  }
  // Every fixture is audited (a worksheet line may reference another fixture's printed values); --files picks
  // which fixtures are shown.
  const suite = suiteOrExit({ needGolden: true });
  const shown = new Set(suite.fixtures.filter((lf) => !o.files || lf.file.includes(o.files)).map((lf) => lf.fixture.id));
  const all = await auditSuiteCached(suite);
  if (o.patch) {
    // A unified diff of the seed texts an author can apply (`patch -p1` in the package root).
    process.stdout.write(seedPatch(correctSeeds(all, readSeedTexts())));
    return EXIT.ok;
  }
  const audits = all.filter((a) => shown.has(a.fixture) && (!o.only?.length || kept(a, o.only)));
  if (o.json) {
    // Per claim, beside the audit: its root causes' entry numbers in errata.md, whether it is a decision error,
    // its corrected line, and the corrected seed lines it takes part in.
    const entries = rootEntryNumbers(rootCauses(all.filter((a) => a.seed)));
    const fixes = correctSeeds(all, readSeedTexts());
    const withEntries = audits.map((a) => ({
      ...a,
      root_entries: entries.get(a.id) ?? [],
      decision: a.decision === true,
      corrected_line: a.suggestion,
      corrected_seed_lines: fixes.lines.filter((l) => l.claims.includes(a.id)).map(({ line, after }) => ({ line, text: after })),
    }));
    process.stdout.write(`${JSON.stringify(withEntries, null, 1)}\n`);
    return EXIT.ok;
  }
  if (o.write) {
    mkdirSync(dirname(ERRATA_FILE), { recursive: true });
    writeFileSync(ERRATA_FILE, renderErrata({ audits, fixtures: suite.fixtures, seeds: readSeedTexts() }));
    console.log(`wrote ${ERRATA_FILE}`);
  }
  for (const a of audits) {
    const flag = a.verdict === a.expected_verdict ? '' : `  (fixture expects ${a.expected_verdict})`;
    const roots = a.roots.map((r) => `${r.claim}${r.index.length ? `[${r.index.join(',')}]` : ''}`).join(', ');
    const kind = a.error_kind ? ` [${a.error_kind}${a.erratum_source === 'carried' ? ` from ${roots}` : ''}]` : '';
    const suggested = a.suggestion ? `\n    corrected line: ${a.suggestion}` : '';
    console.log(`${a.id}\t${a.verdict}${kind}${flag}\n    ${a.reason}${suggested}`);
  }
  const counts = audits.reduce<Record<string, number>>((m, a) => {
    const k = a.verdict === 'erratum' ? `erratum (${a.erratum_source})` : a.verdict;
    m[k] = (m[k] ?? 0) + 1;
    return m;
  }, {});
  const mismatches = audits.filter((a) => a.verdict !== a.expected_verdict).length;
  console.log(
    `${audits.length} claim(s): ${Object.entries(counts)
      .map(([k, v]) => `${v} ${k}`)
      .join(', ')}; ${mismatches} differ from the fixtures' recorded verdicts`,
  );
  return mismatches ? EXIT.failures : EXIT.ok;
}

// `tconf list`: every claim with its source, printed string, expected value, expected verdict, and what it needs
// of an implementation (its requirements: the ops, model features and trace names; null when none is involved).
import { listClaims } from '../fixtures/claims.js';
import { fixtureRequirements, type Requirements } from '../run/requirements.js';
import { suiteOrExit } from './suite.js';

export function listCommand(o: { json?: boolean; files?: string }): void {
  const suite = suiteOrExit({ only: o.files });
  const reqs = new Map<string, Requirements | null>(
    suite.fixtures.flatMap((lf) => [...fixtureRequirements(lf.fixture)].map(([id, r]) => [`${lf.fixture.id}/${id}`, r] as const)),
  );
  const rows = listClaims(suite).map((r) => ({ ...r, requirements: reqs.get(r.id) ?? null })); // a claim with no frozen value lists as null
  if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
  for (const r of rows) console.log(`${r.id}\t${r.kind}\t${r.section ?? ''}\t${JSON.stringify(r.printed)}\t${r.expected_verdict}`);
  console.log(`${rows.length} claim(s)`);
}

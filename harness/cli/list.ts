// `tconf list`: every claim with its source, printed string, expected value and expected verdict.
import { listClaims } from '../fixtures/claims.js';
import { suiteOrExit } from './suite.js';

export function listCommand(o: { json?: boolean; files?: string }): void {
  const rows = listClaims(suiteOrExit({ only: o.files })); // a claim with no frozen value lists as null
  if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
  for (const r of rows) console.log(`${r.id}\t${r.kind}\t${r.section ?? ''}\t${JSON.stringify(r.printed)}\t${r.expected_verdict}`);
  console.log(`${rows.length} claim(s)`);
}

// `tconf mutants`: the suite against every mutant implementation (the reference with one classic mistake),
// tabling which claims catch each; exit 1 when one survives.
import { renderMutantTable, mutantTable } from '../impls/mutant-table.js';
import { MUTANT_NAMES } from '../impls/mutants.js';
import { suiteOrExit } from './suite.js';
import { EXIT } from './usage.js';

export async function mutantsCommand(o: { json?: boolean; only?: string[] }): Promise<number> {
  const unknown = (o.only ?? []).filter((n) => !MUTANT_NAMES.includes(n));
  if (unknown.length) {
    console.error(`tconf mutants: unknown mutant(s) ${unknown.join(', ')} (known: ${MUTANT_NAMES.join(', ')})`);
    return EXIT.usage;
  }
  const table = await mutantTable(suiteOrExit({}), o.only ?? MUTANT_NAMES);
  if (o.json) process.stdout.write(`${JSON.stringify(table, null, 1)}\n`);
  else {
    console.log(renderMutantTable(table));
    if (table.referenceFailures.length)
      console.log(`the reference itself fails ${table.referenceFailures.length} claim(s); they cannot catch a mutant`);
  }
  return table.rows.some((r) => !r.caught) ? EXIT.failures : EXIT.ok;
}

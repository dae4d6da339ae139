// The `tconf` command line.
import { Command } from 'commander';
import { printBookExamples } from './examples.js';
import { runCommand, type RunCommandOptions } from './run.js';
import { EXIT, UsageError } from './usage.js';
import { trainCommand, type TrainCommandOptions } from './train.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ERRATA_FILE, renderErrata } from '../audit/errata.js';
import { auditFixtures } from '../audit/verdict.js';
import { listClaims } from '../fixtures/claims.js';
import { formatProblem } from '../fixtures/types.js';
import { diffGolden, goldenProblems, readGolden, writeGolden } from '../fixtures/golden.js';
import { computeGolden } from '../run/freeze.js';
import { MUTANT_NAMES } from '../impls/mutants.js';
import { referenceImplementation } from '../impls/reference.js';
import { loadFixtures } from '../fixtures/load.js';
import { mutantTable, renderMutantTable } from '../impls/mutant-table.js';

export { EXIT } from './usage.js';

/**
 * The fixtures, or exit 2 listing every problem. `needGolden`: the command reads expected values, so a
 * missing or unreadable golden file is a problem too (reported here, before anything runs).
 */
function loadOrExit(only?: string, needGolden = true) {
  const r = loadFixtures(undefined, only);
  let problems = r.problems;
  if (!problems.length && needGolden) {
    try {
      problems = goldenProblems(r.fixtures);
    } catch (e) {
      problems = [{ file: 'fixtures/golden', line: 1, field: '', message: (e as Error).message }];
    }
  }
  if (problems.length) {
    for (const p of problems) console.error(formatProblem(p));
    console.error(`${problems.length} fixture problem(s)`);
    process.exit(EXIT.usage);
  }
  return r.fixtures;
}

const program = new Command();
program
  .name('tconf')
  .description('Conformance suite and float64 reference for transformer math')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('run')
  .description('run the fixtures against implementations and write the reports (JSON, JUnit XML, Markdown, HTML)')
  .option('--impl <names...>', 'reference, tfjs, numpy, mutant:NAME (see tconf mutants), or exec:COMMAND ARGS (run without a shell)', ['reference'])
  .option('--profile <name>', 'tolerance profile: float64 or float32 (default: each implementation\'s dtype)')
  .option('--filter <globs...>', 'only claims whose id, fixture id, tag or section matches a glob')
  .option('--report-dir <dir>', 'where the reports go', 'reports')
  .option('--baseline <file>', 'known failures per implementation: fail only on new ones')
  .option('--update-baseline', 'rewrite the baseline with this run\'s failures')
  .option('--timeout <seconds>', 'per-scenario timeout for external implementations', '30')
  .option('--max-line-bytes <n>', 'longest line an external implementation may send (default 256 MiB)')
  .option('--overrides <file>', 'YAML: implementation → { claim glob → { atol, rtol } }')
  .option('--no-progress', 'no progress bar')
  .action(async (o: RunCommandOptions) => {
    try {
      process.exitCode = await runCommand(loadOrExit(), o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`tconf run: ${e.message}`);
      process.exitCode = EXIT.usage;
    }
  });

program
  .command('examples')
  .description("print the book's Examples 1-3 computed by the float64 reference, step by step")
  .action(() => printBookExamples());

const FILES = ['--files <text>', 'only the fixture files whose path contains this text'] as const;

program
  .command('validate')
  .description('schema-check the fixtures only (file, line and field for every problem)')
  .option(...FILES)
  .action((o: { files?: string }) => {
    const fixtures = loadOrExit(o.files, false);
    console.log(`${fixtures.length} fixture(s), ${fixtures.reduce((n, f) => n + f.fixture.claims.length, 0)} claim(s): valid`);
  });

program
  .command('list')
  .description('every claim: id, fixture, seed file, section, kind, printed, expected value, expected verdict')
  .option('--json', 'one JSON document on stdout')
  .option(...FILES)
  .action((o: { json?: boolean; files?: string }) => {
    const rows = listClaims(loadOrExit(o.files, false), readGolden); // a claim with no frozen value lists as null
    if (o.json) return void process.stdout.write(`${JSON.stringify(rows, null, 1)}\n`);
    for (const r of rows) console.log(`${r.id}\t${r.kind}\t${r.section ?? ''}\t${JSON.stringify(r.printed)}\t${r.expected_verdict}`);
    console.log(`${rows.length} claim(s)`);
  });

program
  .command('golden')
  .description('recompute the expected values with the reference and freeze them in fixtures/golden/, printing every change')
  .option('--check', 'only report differences; exit 1 if the frozen values are stale')
  .option(...FILES)
  .action(async (o: { check?: boolean; files?: string }) => {
    const fixtures = loadOrExit(o.files, false);
    let stale = 0;
    let problems = 0;
    for (const lf of fixtures) {
      const r = await computeGolden(lf, referenceImplementation);
      for (const p of r.problems) console.error(formatProblem(p));
      problems += r.problems.length;
      if (!r.golden) continue;
      let previous;
      try {
        previous = readGolden(lf.fixture.id);
      } catch (e) {
        if (o.check) {
          console.error((e as Error).message);
          problems++;
          continue;
        }
        previous = null; // unreadable: rewritten from scratch
      }
      const changes = diffGolden(previous, r.golden);
      for (const c of changes) {
        const by = c.change === 'changed' ? ` by max abs ${c.maxAbs?.toExponential(3)}, max rel ${c.maxRel?.toExponential(3)}` : '';
        console.log(`${lf.fixture.id}: ${c.key} ${c.change}${by}`);
      }
      stale += changes.length ? 1 : 0;
      if (changes.length && !o.check) writeGolden(r.golden);
    }
    if (problems) process.exit(EXIT.usage);
    console.log(o.check ? `${stale} fixture(s) with stale expected values` : `${stale} fixture(s) updated, ${fixtures.length - stale} unchanged`);
    if (o.check && stale) process.exit(EXIT.failures);
  });

program
  .command('audit')
  .description('the errata audit of the seeds: a computed verdict for every printed number')
  .option('--json', 'one JSON document on stdout')
  .option('--write', 'regenerate reports/errata.md')
  .option(...FILES)
  .action((o: { json?: boolean; write?: boolean; files?: string }) => {
    let audits;
    try {
      audits = auditFixtures(loadOrExit(o.files), readGolden);
    } catch (e) {
      console.error((e as Error).message);
      process.exit(EXIT.usage);
    }
    if (o.json) return void process.stdout.write(`${JSON.stringify(audits, null, 1)}\n`);
    if (o.write) {
      if (o.files) return void (console.error('tconf audit --write covers every fixture; drop --files'), (process.exitCode = EXIT.usage));
      mkdirSync(dirname(ERRATA_FILE), { recursive: true });
      writeFileSync(ERRATA_FILE, renderErrata(audits));
      console.log(`wrote ${ERRATA_FILE}`);
    }
    for (const a of audits) {
      const flag = a.verdict === a.expected_verdict ? '' : `  (fixture expects ${a.expected_verdict})`;
      console.log(`${a.id}\t${a.verdict}${a.error_kind ? ` [${a.error_kind}]` : ''}${flag}\n    ${a.reason}${a.suggestion ? `\n    suggested: ${a.suggestion}` : ''}`);
    }
    const counts = audits.reduce<Record<string, number>>((m, a) => ((m[a.verdict] = (m[a.verdict] ?? 0) + 1), m), {});
    const mismatches = audits.filter((a) => a.verdict !== a.expected_verdict).length;
    console.log(`${audits.length} claim(s): ${Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ')}; ${mismatches} differ from the fixtures' recorded verdicts`);
    if (mismatches) process.exit(EXIT.failures);
  });

program
  .command('mutants')
  .description('run the suite against every mutant implementation (the reference with one classic mistake) and table which claims catch each')
  .option('--json', 'one JSON document on stdout')
  .option('--only <names...>', `only these mutants (${MUTANT_NAMES.join(', ')})`)
  .action(async (o: { json?: boolean; only?: string[] }) => {
    const unknown = (o.only ?? []).filter((n) => !MUTANT_NAMES.includes(n));
    if (unknown.length) {
      console.error(`tconf mutants: unknown mutant(s) ${unknown.join(', ')} (known: ${MUTANT_NAMES.join(', ')})`);
      process.exit(EXIT.usage);
    }
    const table = await mutantTable(loadOrExit(undefined, false), readGolden, o.only ?? MUTANT_NAMES);
    if (o.json) process.stdout.write(`${JSON.stringify(table, null, 1)}\n`);
    else {
      console.log(renderMutantTable(table));
      if (table.referenceFailures.length) console.log(`the reference itself fails ${table.referenceFailures.length} claim(s); they cannot catch a mutant`);
    }
    if (table.rows.some((r) => !r.caught)) process.exitCode = EXIT.failures;
  });

program
  .command('train')
  .description('train the Stage 10 model on the operations task (ops), or the Fibonacci learner (fibonacci); outputs to reports/training/<task>/')
  .argument('<task>', 'ops or fibonacci')
  .option('--epochs <n>', 'ops: epochs to train (default 50)')
  .option('--steps <n>', 'fibonacci: optimisation steps')
  .option('--seed <n>', 'seed of the data split, the initial weights and the batch order', '1')
  .option('--seeds <list>', 'ops: one run per seed (e.g. 1,2,3); the log gives every figure as its range over the runs')
  .option('--threads <n>', 'ops: worker threads for data-parallel batches (default: 2, or 1 on one core)')
  .option('--stop-at <accuracy>', 'ops: stop once validation accuracy reaches this (e.g. 0.995)')
  .option('--out-dir <dir>', 'where the log and plots go (default reports/training/<task>)')
  .option('--no-progress', 'no progress bar')
  .action(async (task: string, o: TrainCommandOptions) => {
    try {
      await trainCommand(task, o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(e.message);
      process.exit(EXIT.usage);
    }
  });

// A bug of ours must not read as "conformance failures" (exit 1): it is reported as such, with exit 2.
try {
  await program.parseAsync(process.argv);
} catch (e) {
  console.error(`tconf: internal error: ${(e as Error)?.stack ?? String(e)}`);
  process.exitCode = EXIT.usage;
}

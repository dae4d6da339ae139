// The `tconf` command line: the wiring of the subcommands (one file each, beside this one) and their flags.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { ROOT } from '../paths.js';
// Each command's module is imported when the command runs (a cold start loads only what it needs); the three
// imported here give help texts their lists (and run needs them anyway).
import { ONLY } from './audit-filter.js';
import { applyConfig, CONFIG_FILE, configFile, readConfig } from './config.js';
import type { DiagnoseCommandOptions } from './diagnose.js';
import type { DiffCommandOptions } from './diff.js';
import type { RunCommandOptions } from './run.js';
import type { SmokeCommandOptions } from './smoke.js';
import type { TrainCommandOptions } from './train.js';
import { EXIT, UsageError } from './usage.js';
import { MUTANT_NAMES } from '../impls/mutants.js';
import { forTerminal } from '../bounded.js';

const program = new Command();
program
  .name('tconf')
  .description('Conformance suite and float64 reference for transformer math')
  .version(
    (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version,
    '-V, --version',
    'print the version',
  )
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? EXIT.ok : EXIT.usage));

program
  .command('run')
  .description('run the fixtures against implementations and write the reports (JSON, JUnit XML, Markdown, HTML)')
  .option(
    '--impl <names...>',
    'reference, tfjs, numpy, torch, mutant:NAME (see tconf mutants), or exec:COMMAND ARGS (run without a shell)',
    ['reference'],
  )
  .option('--profile <name>', "tolerance profile: float64 or float32 (default: each implementation's dtype)")
  .option('--filter <globs...>', 'only claims whose id, fixture id, tag or section matches a glob')
  .option('--report-dir <dir>', 'where the reports go', 'reports')
  .option('--baseline <file>', 'known failures per implementation: fail only on new ones')
  .option('--update-baseline', "rewrite the baseline with this run's failures")
  .option('--timeout <seconds>', 'per-scenario timeout for external implementations', '30')
  .option('--max-line-bytes <n>', 'longest line an external implementation may send (default 256 MiB)')
  .option('--overrides <file>', 'YAML: implementation → { claim glob → { atol, rtol } }')
  .option('--no-progress', 'no progress bar')
  .option('--allow-empty', 'exit 0 even if an implementation ran no claim at all (every claim skipped or not applicable)')
  .option('--strict', 'with --baseline: fail also when claims the baseline lists now pass (then run --update-baseline)')
  .option('--json', 'the report JSON on stdout, nothing else there (messages go to stderr)')
  .option('--no-diagnose', 'do not diagnose failing implementations (their first wrong value, the mistake they match: several seconds)')
  .option('--config <file>', `defaults for these flags (spec/config.schema.json; default: ./${CONFIG_FILE} if there is one)`)
  .action(async (flags: RunCommandOptions & { config?: string }, cmd: Command) => {
    try {
      const [{ runCommand }, { suiteOrExit }] = await Promise.all([import('./run.js'), import('./suite.js')]);
      // The phases of a run, for `npm run bench suite` (bench/timeline.mjs reads them): start-up ends here.
      performance.mark('tconf:loading', { detail: import.meta.url.endsWith('.ts') ? 'the sources, through tsx' : 'the build (dist/)' });
      const file = configFile(flags.config);
      const o = file ? applyConfig(flags, readConfig(file), (flag) => cmd.getOptionValueSource(flag) === 'cli') : flags;
      const suite = suiteOrExit({ needGolden: true });
      performance.mark('tconf:loaded');
      process.exitCode = await runCommand(suite, o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`tconf run: ${e.message}`);
      process.exitCode = EXIT.usage;
    }
  });

program
  .command('smoke')
  .description(
    'check that one implementation plugs in: its handshake, what it declares, one tiny scenario per declared op and feature, what to do next',
  )
  .requiredOption(
    '--impl <name...>',
    'one implementation: reference, tfjs, numpy, torch, mutant:NAME, or exec:COMMAND ARGS (run without a shell)',
  )
  .option('--timeout <seconds>', 'per-scenario timeout for external implementations', '30')
  .action(async (o: SmokeCommandOptions) => {
    try {
      const [{ smokeCommand }, { suiteOrExit }] = await Promise.all([import('./smoke.js'), import('./suite.js')]);
      process.exitCode = await smokeCommand(() => suiteOrExit({ needGolden: true }), o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`tconf smoke: ${e.message}`);
      process.exitCode = EXIT.usage;
    }
  });

program
  .command('examples')
  .description("print the book's Examples 1-3 computed by the float64 reference, step by step")
  .action(async () => (await import('./examples.js')).printBookExamples());

const FILES = ['--files <text>', 'only the fixture files whose path contains this text'] as const;

program
  .command('validate')
  .description('schema-check the fixtures only (file, line and field for every problem)')
  .option(...FILES)
  .action(async (o: { files?: string }) => (await import('./validate.js')).validateCommand(o));

program
  .command('list')
  .description('every claim: id, fixture, seed file, section, kind, printed, expected value, expected verdict')
  .option('--json', 'one JSON document on stdout')
  .option(...FILES)
  .action(async (o: { json?: boolean; files?: string }) => (await import('./list.js')).listCommand(o));

program
  .command('golden')
  .description('recompute the expected values with the reference and freeze them in fixtures/golden/, printing every change')
  .option('--check', 'only report differences; exit 1 if the frozen values are stale')
  .option(...FILES)
  .action(async (o: { check?: boolean; files?: string }) => {
    process.exitCode = await (await import('./golden.js')).goldenCommand(o);
  });

program
  .command('audit')
  .description('the errata audit of the seeds: a computed verdict for every printed number')
  .option('--json', 'one JSON document on stdout')
  .option('--write', 'regenerate reports/errata.md')
  .option('--patch', 'print the corrections as a unified diff of the seed texts (fixtures/sources/), to apply with patch -p1')
  .option('--only <verdicts...>', `only these verdicts: ${ONLY.join(', ')} (origin and carried: the two kinds of erratum)`)
  .option(...FILES)
  .action(async (o: { json?: boolean; write?: boolean; patch?: boolean; files?: string; only?: string[] }) => {
    process.exitCode = await (await import('./audit.js')).auditCommand(o);
  });

program
  .command('mutants')
  .description(
    'run the suite against every mutant implementation (the reference with one classic mistake) and table which claims catch each',
  )
  .option('--json', 'one JSON document on stdout')
  .option('--only <names...>', `only these mutants (${MUTANT_NAMES.join(', ')})`)
  .action(async (o: { json?: boolean; only?: string[] }) => {
    process.exitCode = await (await import('./mutants.js')).mutantsCommand(o);
  });

program
  .command('diff')
  .description(
    "compare two runs' report.json per implementation: newly failing, passing, skipped, run; errors that moved ×10; claims added or removed",
  )
  .argument('<old>', 'the earlier report.json')
  .argument('<new>', 'the later report.json')
  .option('--json', 'one JSON document on stdout (spec/diff.schema.json) instead of Markdown')
  .option('--rows <n>', 'Markdown: rows per section before "and N more"', '20')
  .option('--rename <pairs...>', "OLD=NEW: compare the old report's implementation OLD with the new report's NEW (others match by name)")
  .action(async (oldFile: string, newFile: string, o: DiffCommandOptions) => {
    const { diffCommand } = await import('./diff.js');
    try {
      process.exitCode = diffCommand(oldFile, newFile, o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`tconf diff: ${forTerminal(e.message)}`);
      process.exitCode = EXIT.usage;
    }
  });

program
  .command('diagnose')
  .description(
    "for each failing implementation: the first wrong value in the computation's dataflow and the classic mistake (mutant) it matches",
  )
  .argument(
    '[report]',
    'a report.json of tconf run: prints the diagnosis it saved, else computes one from it (small tensors only keep their values: larger ones match by status)',
  )
  .option('--impl <names...>', 'run these implementations (same words as tconf run) and diagnose them with every actual value')
  .option('--profile <name>', "tolerance profile: float64 or float32 (default: the report's, or each implementation's dtype)")
  .option('--filter <globs...>', 'with --impl: only claims whose id, fixture id, tag or section matches a glob')
  .option('--timeout <seconds>', 'per-scenario timeout for external implementations', '30')
  .option('--rows <n>', 'failing scenarios listed per implementation', '10')
  .option('--no-pairs', 'do not try pairs of mutants when no single one matches')
  .option('--recompute', "REPORT.json: compute the diagnosis from the report's values even when it saved one")
  .option('--json', 'one JSON document on stdout')
  .action(async (file: string | undefined, o: DiagnoseCommandOptions) => {
    try {
      const [{ diagnoseCommand }, { suiteOrExit }] = await Promise.all([import('./diagnose.js'), import('./suite.js')]);
      process.exitCode = await diagnoseCommand(() => suiteOrExit({ needGolden: true }), file, o);
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      console.error(`tconf diagnose: ${forTerminal(e.message)}`);
      process.exitCode = EXIT.usage;
    }
  });

program
  .command('train')
  .description('train the Stage 10 model on the operations task (ops), or the Fibonacci learner (fibonacci); outputs to --out-dir')
  .argument('<task>', 'ops or fibonacci')
  .option('--epochs <n>', 'ops: epochs to train (default 50)')
  .option('--steps <n>', 'fibonacci: optimisation steps')
  .option('--seed <n>', 'seed of the data split, the initial weights and the batch order', '1')
  .option('--seeds <list>', 'ops: one run per seed (e.g. 1,2,3); the log gives every figure as its range over the runs')
  .option('--threads <n>', 'ops: worker threads for data-parallel batches (default: 2, or 1 on one core)')
  .option('--stop-at <accuracy>', 'ops: stop once validation accuracy reaches this (e.g. 0.995)')
  .option('--out-dir <dir>', 'where the log and plots go (default: reports/training/<task> in this repository, else ./tconf-train/<task>)')
  .option('--no-progress', 'no progress bar')
  .action(async (task: string, o: TrainCommandOptions) => {
    try {
      await (await import('./train.js')).trainCommand(task, o);
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

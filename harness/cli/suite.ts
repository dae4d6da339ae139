// Loading the Suite for a command: once, before anything runs; any problem ends the command with exit 2.
import { loadSuite, type LoadOptions, type Suite } from '../fixtures/suite.js';
import { formatProblem } from '../fixtures/types.js';
import { EXIT } from './usage.js';

/** The Suite, or exit 2 after printing every problem with its file, line and field. */
export function suiteOrExit(o: LoadOptions): Suite {
  const { suite, problems } = loadSuite(o);
  if (problems.length || !suite) {
    for (const p of problems) console.error(formatProblem(p));
    console.error(`${problems.length} fixture problem(s)`);
    process.exit(EXIT.usage);
  }
  return suite;
}

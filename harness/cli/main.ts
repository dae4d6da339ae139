// The `tconf` command line.
import { Command } from 'commander';
import { printBookExamples } from '../book-examples.js';

const program = new Command();
program.name('tconf').description('Conformance suite and float64 reference for transformer math').showHelpAfterError();

program
  .command('run')
  .description("run the book's Examples 1-3 on the float64 reference and print the worksheets' intermediate values")
  .action(() => printBookExamples());

await program.parseAsync(process.argv);

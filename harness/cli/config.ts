// The working directory's configuration: `tconf.config.yaml` (or `tconf run --config FILE`), the defaults of
// `tconf run` so that a CI line is just `npx tconf run`, and where `tconf train` writes when not told.
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { RunCommandOptions } from './run.js';
import { UsageError } from './usage.js';
import { readUserFile } from './user-files.js';

/** The file `tconf run` reads from the working directory when no `--config` is given. */
export const CONFIG_FILE = 'tconf.config.yaml';

/** spec/config.schema.json's keys; paths as written in the file. */
export interface TconfConfig {
  implementations?: string[];
  baseline?: string;
  overrides?: string;
  profile?: string;
  report_dir?: string;
  timeout?: number;
  diagnose?: boolean;
}

/** The config file to read: `--config FILE` (which must exist), else tconf.config.yaml in `cwd` if there is one. */
export function configFile(explicit: string | undefined, cwd: string = process.cwd()): string | undefined {
  if (explicit !== undefined) {
    if (!existsSync(explicit)) throw new UsageError(`--config ${explicit}: no such file`);
    return explicit;
  }
  const found = join(cwd, CONFIG_FILE);
  return existsSync(found) ? found : undefined;
}

/** Reads and checks a config file (errors as file:line: field), its paths made relative to the file's directory. */
export function readConfig(file: string): TconfConfig {
  const c = readUserFile(file, 'config.schema.json', 'config file') as TconfConfig;
  const beside = (p: string | undefined) => (p === undefined || isAbsolute(p) ? p : join(dirname(file), p));
  return { ...c, baseline: beside(c.baseline), overrides: beside(c.overrides), report_dir: beside(c.report_dir) };
}

/**
 * The run's options: each key of the config fills its flag unless the command line gave that flag
 * (`fromCommandLine`, commander's option value source); commander's own defaults lose to the file.
 */
export function applyConfig(
  o: RunCommandOptions,
  c: TconfConfig,
  fromCommandLine: (flag: keyof RunCommandOptions) => boolean,
): RunCommandOptions {
  const merged = { ...o };
  const fill = <K extends keyof RunCommandOptions>(flag: K, v: RunCommandOptions[K] | undefined) => {
    if (v !== undefined && !fromCommandLine(flag)) merged[flag] = v;
  };
  fill('impl', c.implementations);
  fill('baseline', c.baseline);
  fill('overrides', c.overrides);
  fill('profile', c.profile);
  fill('reportDir', c.report_dir);
  fill('timeout', c.timeout === undefined ? undefined : String(c.timeout));
  fill('diagnose', c.diagnose);
  return merged;
}

/**
 * Where `tconf train TASK` writes without `--out-dir`: ./tconf-train/TASK in the working directory, in a checkout
 * too, so that the committed reference runs (reports/training/TASK) and nothing inside node_modules is ever
 * overwritten unless asked for with `--out-dir`.
 */
export function trainOutDir(task: string, cwd: string = process.cwd()): string {
  return join(cwd, 'tconf-train', task);
}

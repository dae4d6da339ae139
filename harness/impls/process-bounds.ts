// What the command line needs of the process transport (process.ts) without loading it: its bounds, and ending
// every implementation process at once. A run of in-process implementations never loads the transport.

/** Longest per-request timeout (24 h); Node's timers overflow above 2^31-1 ms and would fire at once. */
export const MAX_TIMEOUT_MS = 24 * 3600 * 1000;
/**
 * Default bound on one line of an implementation's output (256 MiB). The largest answer of the whole suite
 * (the NumPy example, JSON lists) is about 12.8 MB, twenty times below it.
 */
export const DEFAULT_MAX_LINE_BYTES = 256 * 1024 * 1024;
/** Largest `maxLineBytes` accepted: 512 MiB, about the longest string V8 can hold. */
export const MAX_LINE_BYTES_LIMIT = 512 * 1024 * 1024;

// One set of enders per process, however many times the transport is loaded (test runners reload modules).
const HOOKS = Symbol.for('tconf.process.endAllChildren');
const g = globalThis as { [HOOKS]?: Set<() => void> };

/** Registers the transport's ender, run by endAllChildren() and whenever the harness exits in any way. */
export function onEndAll(end: () => void): void {
  if (!g[HOOKS]) {
    const hooks = new Set<() => void>();
    g[HOOKS] = hooks;
    // a harness that exits in any way (an uncaught error, process.exit) leaves no process group behind
    process.once('exit', () => {
      for (const h of hooks) h();
    });
  }
  g[HOOKS].add(end);
}

/**
 * Kills every live implementation process group at once (SIGKILL) and stops their implementations restarting;
 * synchronous, for a SIGINT/SIGTERM handler. A pending request fails with "stopped". Nothing to do when the
 * transport was never loaded.
 */
export function endAllChildren(): void {
  for (const end of g[HOOKS] ?? []) end();
}

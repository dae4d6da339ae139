// What the command line tells its caller: the exit codes, and the error that means "you asked for something
// that cannot be done" (exit 2), as opposed to an implementation failing claims (exit 1).

/** Exit codes: 0 success, 1 conformance failures, 2 usage, fixture or input-file errors; 130/143 interrupted. */
export const EXIT = { ok: 0, failures: 1, usage: 2, interrupted: 130, terminated: 143 } as const;

/** A mistake in the command line or a user-supplied file; the message says what to change. */
export class UsageError extends Error {}

// Files a user hands the command line (a baseline, tolerance overrides): read, parsed and checked against
// their schema in spec/ before anything runs, every problem named by file, line and field (exit 2).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ErrorObject } from 'ajv/dist/2020.js';
import { yaml } from '../fixtures/yaml.js';
import { truncate } from '../bounded.js';
import { cachedValidators, type SchemaValidator } from '../fixtures/schema.js';
import { ROOT } from '../paths.js';
import { UsageError } from './usage.js';

/** Larger than any baseline or overrides file a person keeps; anything bigger is a mistake, not data. */
export const MAX_USER_FILE_BYTES = 16 * 1024 * 1024;

// Compiled on first use, through the cache: a command that reads no user file never loads Ajv.
const schemas = new Map<string, SchemaValidator>();
function schema(name: string): SchemaValidator {
  let v = schemas.get(name);
  if (!v) {
    const json = JSON.parse(readFileSync(join(ROOT, 'spec', name), 'utf8'));
    schemas.set(
      name,
      (v = cachedValidators(name.replace(/\.json$/, ''), json, { allErrors: true, strict: false }, { validate: '' }).validate),
    );
  }
  return v;
}

/** A JSON pointer (`/claims/3/id`) as path segments (`['claims', 3, 'id']`). */
export const segments = (pointer: string): Array<string | number> =>
  pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));

/** A schema error in plain words (unknown key, missing key, wrong constant, else Ajv's message). */
export function describe(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `unknown key '${truncate(String(p.additionalProperty), 80)}'`;
  if (e.keyword === 'required') return `missing required key '${String(p.missingProperty)}'`;
  if (e.keyword === 'const') return `must be ${JSON.stringify(p.allowedValue)}`;
  return e.message ?? e.keyword;
}

/** A problem a caller finds beyond the schema (an unknown implementation, a glob that matches nothing), at a path. */
export interface UserFileProblem {
  at: Array<string | number>;
  message: string;
}

/**
 * Reads a JSON or YAML file (YAML is a superset of JSON, so one parser gives line numbers for both) and checks
 * it against `spec/<schemaName>`, then with `check` (run on schema-valid data only). Throws a UsageError listing
 * every problem as `file:line: field: message`.
 */
export function readUserFile(file: string, schemaName: string, what: string, check?: (data: unknown) => UserFileProblem[]): unknown {
  let bytes: Buffer;
  try {
    const st = statSync(file);
    if (st.isDirectory()) throw new UsageError(`${what} ${file}: is a directory, not a file`);
    if (st.size > MAX_USER_FILE_BYTES)
      throw new UsageError(`${what} ${file}: ${st.size} bytes, more than the ${MAX_USER_FILE_BYTES} a ${what} may have`);
    bytes = readFileSync(file);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${what} ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  try {
    return parseAndCheck(bytes, file, schemaName, what, check);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // A stack overflow from pathological nesting, say: still the file's fault, still exit 2.
    throw new UsageError(`${what} ${file}: cannot be read as ${what}: ${truncate((e as Error).message, 200)}`);
  }
}

function parseAndCheck(
  bytes: Buffer,
  file: string,
  schemaName: string,
  what: string,
  check?: (data: unknown) => UserFileProblem[],
): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${what} ${file}: not UTF-8 text`);
  }
  const { isMap, isNode, isScalar, LineCounter, parseDocument } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings];
  if (syntax.length)
    throw new UsageError(syntax.map((e) => `${file}:${lc.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`).join('\n'));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  const validate = schema(schemaName);
  const problems: string[] = [];
  const at = (segs: Array<string | number>, message: string, keyLine = false) => {
    // A key's own line: the pair's key node when the path ends at a mapping entry, else the value's node.
    const parent = segs.length ? doc.getIn(segs.slice(0, -1), true) : null;
    const pair = isMap(parent)
      ? parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segs[segs.length - 1]))
      : undefined;
    const node = keyLine && pair && isNode(pair.key) ? pair.key : doc.getIn(segs, true);
    const line = isNode(node) && node.range ? lc.linePos(node.range[0]).line : 1;
    problems.push(`${file}:${line}: ${segs.length ? segs.join('.') : '(top level)'}: ${message}`);
  };
  if (!validate(data)) {
    for (const e of validate.errors ?? []) at(segments(e.instancePath), describe(e));
  } else if (check) {
    for (const p of check(data)) at(p.at, p.message, true);
  }
  const nonFinite = (x: unknown, at: string[]): void => {
    if (typeof x === 'number' && !Number.isFinite(x)) problems.push(`${file}: ${at.join('.')}: must be a finite number`);
    else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) nonFinite(v, [...at, k]);
  };
  nonFinite(data, []);
  if (problems.length) throw new UsageError(`${what} ${file} is not valid (spec/${schemaName}):\n  ${[...new Set(problems)].join('\n  ')}`);
  return data;
}

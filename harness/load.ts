// Loading fixtures: parse YAML (keeping positions), validate against spec/fixture.schema.json, then check
// what a schema cannot: finite numbers, unique ids, trace paths that name a real step, example or output,
// and a model configuration whose shapes agree. Nothing in a fixture is ever executed.
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020.js';
import { isMap, isNode, LineCounter, parseDocument, type Document } from 'yaml';
import { makeConfig } from '../reference/config.js';
import { paramSpecs } from '../reference/params.js';
import type { Fixture, LoadedFixture, Problem } from './fixture.js';
import { OPS, bare } from './scenario.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The fixture directory; TCONF_FIXTURE_DIR points the command at another one (the CLI's own tests use it). */
export const FIXTURE_DIR = process.env.TCONF_FIXTURE_DIR ?? join(ROOT, 'fixtures');
const schema = JSON.parse(readFileSync(join(ROOT, 'spec', 'fixture.schema.json'), 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validateSchema = ajv.compile(schema);

type Segment = string | number;
const toSegments = (pointer: string): Segment[] =>
  pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
const toField = (segs: Segment[]): string => segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

/** The line of the YAML node at a path (or of its nearest existing ancestor). */
function lineOf(doc: Document, lc: LineCounter, segs: Segment[], key?: string): number {
  for (let n = segs.length; n >= 0; n--) {
    const node = doc.getIn(segs.slice(0, n), true);
    if (!isNode(node) || !node.range) continue;
    if (key !== undefined && n === segs.length && isMap(node)) {
      const pair = node.items.find((p) => isNode(p.key) && (p.key as { value?: unknown }).value === key);
      const k = pair?.key;
      if (isNode(k) && k.range) return lc.linePos(k.range[0]).line;
    }
    return lc.linePos(node.range[0]).line;
  }
  return 1;
}

function schemaMessage(e: ErrorObject): string {
  if (e.keyword === 'additionalProperties') return `unknown key '${(e.params as { additionalProperty: string }).additionalProperty}'`;
  if (e.keyword === 'required') return `missing required key '${(e.params as { missingProperty: string }).missingProperty}'`;
  if (e.keyword === 'enum') return `${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return e.message ?? e.keyword;
}

/** The most useful schema errors: drop the oneOf/anyOf summaries when a more specific error is present. */
function relevant(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((e) => !['oneOf', 'anyOf', 'if', 'const', 'type', 'enum'].includes(e.keyword) || e.keyword === 'enum');
  const chosen = specific.length ? specific : errors;
  const seen = new Set<string>();
  return chosen.filter((e) => {
    const k = `${e.instancePath}|${schemaMessage(e)}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Every non-finite number (YAML's .nan, .inf) with its path. */
function nonFinite(x: unknown, segs: Segment[] = []): Segment[][] {
  if (typeof x === 'number') return Number.isFinite(x) ? [] : [segs];
  if (Array.isArray(x)) return x.flatMap((v, i) => nonFinite(v, [...segs, i]));
  if (x && typeof x === 'object') return Object.entries(x).flatMap(([k, v]) => nonFinite(v, [...segs, k]));
  return [];
}

/** Checks a schema-valid fixture's cross-references; `at(segs, msg)` records a problem at a path. */
function checkSemantics(f: Fixture, at: (segs: Segment[], message: string, key?: string) => void): void {
  const seen = new Map<string, number>();
  f.claims.forEach((c, i) => {
    if (seen.has(c.id)) at(['claims', i, 'id'], `duplicate claim id '${c.id}' (also claims[${seen.get(c.id)}])`);
    else seen.set(c.id, i);
  });
  const s = f.scenario;
  const checkPath = (path: string, segs: Segment[]) => {
    const parts = path.split('/');
    if (s.kind === 'none') return at(segs, `trace path '${path}' but the fixture has no scenario`);
    if (s.kind === 'measurement') return; // keys into the log: resolved (or reported) when the golden file is made
    const calls = s.kind === 'ops' ? s.calls : (s.then ?? []);
    const call = calls.find((c) => c.id === parts[0]);
    if (call || s.kind === 'ops') {
      if (!call || parts.length !== 2) return at(segs, `trace path '${path}' does not name '<call>/<output>' of a call in this scenario`);
      const outputs = OPS[call.op].outputs.map(bare);
      if (!outputs.includes(parts[1])) at(segs, `trace path '${path}': op ${call.op} has no output '${parts[1]}' (it has ${outputs.join(', ')})`);
      return;
    }
    if (!s.steps.some((st) => st.id === parts[0])) return at(segs, `trace path '${path}': no step '${parts[0]}' (steps: ${s.steps.map((st) => st.id).join(', ')})`);
    if (parts.length === 3) {
      const i = Number(parts[1]);
      if (!Number.isInteger(i) || i < 0 || i >= s.examples.length) at(segs, `trace path '${path}': no example ${parts[1]} (the scenario has ${s.examples.length})`);
    } else if (parts.length !== 2) at(segs, `trace path '${path}' must be '<step>/<example>/<name>' or '<step>/<name>'`);
  };
  f.claims.forEach((c, i) => {
    if (c.path) checkPath(c.path, ['claims', i, 'path']);
    c.of?.forEach((o, j) => o.path && checkPath(o.path, ['claims', i, 'of', j, 'path']));
  });
  if (s.kind === 'model') {
    let config;
    try {
      config = makeConfig(s.config);
    } catch (e) {
      return at(['scenario', 'config'], (e as Error).message);
    }
    const names = new Set(paramSpecs(config).map((p) => p.name));
    for (const name of Object.keys(s.weights ?? {})) if (!names.has(name)) at(['scenario', 'weights'], `no parameter '${name}' in this model (it has ${[...names].join(', ')})`, name);
    const missing = [...names].filter((n) => !(n in (s.weights ?? {})));
    if (missing.length && !s.init) at(['scenario'], `weights not given for ${missing.join(', ')} and no init seed`);
    s.steps.forEach((st, i) => {
      if (st.do === 'train') st.trainable?.forEach((n, j) => names.has(n) || at(['scenario', 'steps', i, 'trainable', j], `no parameter '${n}' in this model`));
    });
    const stepIds = new Set<string>();
    s.steps.forEach((st, i) => (stepIds.has(st.id) ? at(['scenario', 'steps', i, 'id'], `duplicate step id '${st.id}'`) : stepIds.add(st.id)));
  }
  if (s.kind === 'ops' || s.kind === 'model') {
    const [calls, key] = s.kind === 'ops' ? [s.calls, 'calls'] : [s.then ?? [], 'then'];
    const ids = new Set<string>(s.kind === 'model' ? s.steps.map((st) => st.id) : []);
    calls.forEach((call, i) => {
      if (ids.has(call.id)) at(['scenario', key, i, 'id'], `duplicate id '${call.id}' (a step or another call)`);
      ids.add(call.id);
      const spec = OPS[call.op].inputs;
      for (const name of Object.keys(call.args)) if (!spec.map(bare).includes(name)) at(['scenario', key, i, 'args'], `op ${call.op} takes no argument '${name}' (it takes ${spec.join(', ')})`, name);
      for (const name of spec) if (!name.endsWith('?') && !(name in call.args)) at(['scenario', key, i, 'args'], `op ${call.op} needs argument '${name}'`);
      for (const [name, v] of Object.entries(call.args)) {
        const from = (v as { from?: unknown }).from;
        if (typeof from !== 'string') continue;
        if (s.kind === 'ops') at(['scenario', key, i, 'args', name], `'from' needs a model scenario to take values from`);
        else if (!s.steps.some((st) => st.id === from.split('/')[0])) at(['scenario', key, i, 'args', name, 'from'], `no step '${from.split('/')[0]}' to take '${from}' from`);
      }
    });
  }
}

/** Parses and checks one fixture's text; returns the fixture or the problems, each with file, line and field. */
export function parseFixture(text: string, file: string): { loaded?: LoadedFixture; problems: Problem[] } {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  const at = (segs: Segment[], message: string, key?: string) =>
    problems.push({ file, line: lineOf(doc, lc, segs, key), field: toField(key !== undefined ? [...segs, key] : segs), message });
  for (const e of [...doc.errors, ...doc.warnings]) {
    problems.push({ file, line: lc.linePos(e.pos[0]).line, field: '', message: `YAML: ${e.message.split('\n')[0]}` });
  }
  if (problems.length) return { problems };
  const data = doc.toJS({ maxAliasCount: 0 }) as unknown;
  for (const segs of nonFinite(data)) at(segs, 'not a finite number (NaN and Infinity are not allowed)');
  if (!validateSchema(data)) {
    for (const e of relevant(validateSchema.errors ?? [])) {
      const segs = toSegments(e.instancePath);
      const key = e.keyword === 'additionalProperties' ? (e.params as { additionalProperty: string }).additionalProperty : undefined;
      at(segs, schemaMessage(e), key);
    }
  }
  if (problems.length) return { problems };
  const fixture = data as Fixture;
  checkSemantics(fixture, at);
  if (problems.length) return { problems };
  const claimLines: Record<string, number> = {};
  fixture.claims.forEach((c, i) => (claimLines[c.id] = lineOf(doc, lc, ['claims', i])));
  return { loaded: { file, fixture, claimLines }, problems };
}

/** All fixture files under a directory (recursively), in name order. */
export function fixtureFiles(dir = FIXTURE_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

/** Loads every fixture (or those whose path contains `only`); duplicate fixture ids across files are problems too. */
export function loadFixtures(dir = FIXTURE_DIR, only?: string): { fixtures: LoadedFixture[]; problems: Problem[] } {
  const fixtures: LoadedFixture[] = [];
  const problems: Problem[] = [];
  const ids = new Map<string, string>();
  for (const path of fixtureFiles(dir).filter((p) => !only || relative(ROOT, p).includes(only))) {
    const file = relative(ROOT, path) || basename(path);
    const r = parseFixture(readFileSync(path, 'utf8'), file);
    problems.push(...r.problems);
    if (!r.loaded) continue;
    const id = r.loaded.fixture.id;
    if (ids.has(id)) problems.push({ file, line: 1, field: 'id', message: `duplicate fixture id '${id}' (also in ${ids.get(id)})` });
    else ids.set(id, file);
    fixtures.push(r.loaded);
  }
  return { fixtures, problems };
}

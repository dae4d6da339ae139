// Certified expected values, frozen in fixtures/golden/<fixture id>.json: the reference's value for every
// trace path a fixture's claims name, and the exact value of every `expr`. Regenerating reports each value
// that moved and by how much, so a change to the reference cannot silently move its own expected values.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { tensor, type Tensor } from '../reference/tensor.js';
import { exactValue } from './audit/expr.js';
import type { Claim, LoadedFixture, Printed, Problem, ValueRef } from './fixture.js';
import type { Implementation } from './implementation.js';
import { FIXTURE_DIR, ROOT } from './load.js';
import { runScenario } from './run-scenario.js';
import type { Nested } from './scenario.js';
import { fromNested, select } from './tensors.js';

export const GOLDEN_DIR = join(FIXTURE_DIR, 'golden');
export const GOLDEN_VERSION = 1;

export interface Golden {
  version: number;
  fixture: string;
  generated_by: string;
  /** Trace path → the whole tensor the implementation produced. */
  values: Record<string, { shape: number[]; data: number[] }>;
  /** Expression → its exact value as a decimal string (40 significant digits). */
  exprs: Record<string, string>;
}

/** Every trace path and expression the claims of a fixture refer to. */
export function references(claims: Claim[]): { paths: string[]; exprs: string[] } {
  const paths = new Set<string>();
  const exprs = new Set<string>();
  for (const c of claims) {
    for (const r of [c, ...(c.of ?? [])]) {
      if (r.path) paths.add(r.path);
      if (r.expr) exprs.add(r.expr);
    }
  }
  return { paths: [...paths].sort(), exprs: [...exprs].sort() };
}

/**
 * The values at `paths` ('/'-separated keys and indices) of a training log written by `tconf train`: a number
 * becomes a scalar, a (nested) list of numbers a tensor. A path that leads elsewhere is left out (and reported).
 */
function readMeasurements(log: string, paths: string[]): Record<string, Tensor> {
  const file = join(ROOT, log);
  if (!existsSync(file)) throw new Error(`the training log ${log} does not exist (make it with npx tconf train)`);
  const root: unknown = JSON.parse(readFileSync(file, 'utf8'));
  const out: Record<string, Tensor> = {};
  for (const p of paths) {
    let v: unknown = root;
    for (const key of p.split('/')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    if (typeof v === 'number') out[p] = tensor([], Float64Array.of(v));
    else if (Array.isArray(v)) {
      try {
        out[p] = fromNested(v as Nested);
      } catch {
        /* not a list of numbers: reported as unresolvable */
      }
    }
  }
  return out;
}

/** Runs a fixture's scenario and keeps what its claims need; a path the scenario does not produce is a problem. */
export async function computeGolden(lf: LoadedFixture, impl: Implementation): Promise<{ golden?: Golden; problems: Problem[] }> {
  const f = lf.fixture;
  const { paths, exprs } = references(f.claims);
  const problems: Problem[] = [];
  const golden: Golden = { version: GOLDEN_VERSION, fixture: f.id, generated_by: `${impl.name} ${impl.version}`, values: {}, exprs: {} };
  const lineOfPath = (p: string) => {
    const c = f.claims.find((c) => c.path === p || c.of?.some((o) => o.path === p));
    return { line: c ? lf.claimLines[c.id] : 1, field: c ? `claims(${c.id}).path` : 'path' };
  };
  if (paths.length) {
    if (f.scenario.kind === 'none') throw new Error('unreachable: paths without a scenario are rejected at load');
    let trace;
    try {
      trace = f.scenario.kind === 'measurement' ? readMeasurements(f.scenario.log, paths) : await runScenario(impl, f.scenario);
    } catch (e) {
      return { problems: [{ file: lf.file, line: 1, field: 'scenario', message: `the ${impl.name} implementation failed on this scenario: ${(e as Error).message}` }] };
    }
    for (const p of paths) {
      const t = trace[p];
      if (!t) {
        const near = Object.keys(trace).filter((k) => k.split('/')[0] === p.split('/')[0]).slice(0, 6);
        problems.push({ file: lf.file, ...lineOfPath(p), message: `unresolvable trace path '${p}' (the scenario produces e.g. ${near.join(', ')})` });
        continue;
      }
      golden.values[p] = { shape: t.shape, data: Array.from(t.data) };
    }
  }
  for (const e of exprs) golden.exprs[e] = exactValue(e).toSignificantDigits(40).toString();
  for (const c of f.claims) {
    for (const r of [c, ...(c.of ?? [])]) {
      if (!r.path || !r.at || !golden.values[r.path]) continue;
      try {
        select(asTensor(golden.values[r.path]), r.at);
      } catch (e) {
        problems.push({ file: lf.file, line: lf.claimLines[c.id], field: `claims(${c.id}).at`, message: (e as Error).message });
      }
    }
  }
  return problems.length ? { problems } : { golden, problems };
}

export const asTensor = (v: { shape: number[]; data: number[] }): Tensor => tensor(v.shape, Float64Array.from(v.data));

export const goldenPath = (fixtureId: string): string => join(GOLDEN_DIR, `${fixtureId}.json`);

/** A golden file's path as problems and errors name it (repository-relative). */
const shownPath = (p: string): string => relative(ROOT, p) || p;

/** Why a parsed golden file is not one, or null. */
function goldenShapeError(g: unknown): string | null {
  if (typeof g !== 'object' || g === null || Array.isArray(g)) return 'not a JSON object';
  const o = g as Record<string, unknown>;
  for (const k of ['values', 'exprs'] as const) if (typeof o[k] !== 'object' || o[k] === null || Array.isArray(o[k])) return `no '${k}' object`;
  for (const [key, v] of Object.entries(o.values as Record<string, unknown>)) {
    const t = v as { shape?: unknown; data?: unknown } | null;
    const shape = t?.shape;
    const data = t?.data;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return `values['${key}'] has no shape (a list of sizes)`;
    if (!Array.isArray(data) || !data.every((x) => typeof x === 'number')) return `values['${key}'] has no data (a list of numbers)`;
    if (data.length !== shape.reduce((a: number, b: number) => a * b, 1)) return `values['${key}'] has ${data.length} numbers for shape [${shape}]`;
  }
  for (const [e, v] of Object.entries(o.exprs as Record<string, unknown>)) if (typeof v !== 'string') return `exprs['${e}'] is not a decimal string`;
  return null;
}

/**
 * The frozen expected values of a fixture: null when it has no golden file; throws an Error naming the file when
 * the file cannot be read or is not a golden file (invalid JSON, or values without shape and data).
 */
export function readGolden(fixtureId: string): Golden | null {
  const p = goldenPath(fixtureId);
  let text: string;
  try {
    text = readFileSync(p, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the golden file ${shownPath(p)}: ${(e as Error).message}`);
  }
  let g: unknown;
  try {
    g = JSON.parse(text);
  } catch (e) {
    throw new Error(`the golden file ${shownPath(p)} is not valid JSON (${(e as Error).message}): delete it and run \`npx tconf golden\``);
  }
  const bad = goldenShapeError(g);
  if (bad) throw new Error(`the golden file ${shownPath(p)} is not a golden file (${bad}): delete it and run \`npx tconf golden\``);
  return g as Golden;
}

/** One value a claim reads from the golden file: an expression's exact value or a trace path's tensor. */
interface Need {
  field: string;
  kind: 'exprs' | 'values';
  key: string;
  at?: number[];
  /** The printed value whose shape must be the value's (value and count claims, as the audit compares them). */
  printed?: Printed;
}

/**
 * The golden values a claim reads, exactly as the audit (harness/audit/verdict.ts) and a conformance run
 * (harness/runner.ts) read them through expectedTensor: a relation reads its operands, any other claim itself;
 * an `expr` is read from the exprs, a `path` from the values; an unverifiable claim reads only a `path` it names.
 */
function goldenNeeds(c: Claim, i: number): Need[] {
  const needs: Need[] = [];
  const refs: [ValueRef, string][] = c.kind === 'relation' ? (c.of ?? []).map((o, j) => [o, `claims[${i}].of[${j}]`]) : [[c, `claims[${i}]`]];
  for (const [r, where] of refs) {
    if (c.kind === 'unverifiable' && r.path === undefined) continue;
    const printed = c.kind === 'value' || c.kind === 'count' ? c.printed : undefined;
    if (r.expr !== undefined) needs.push({ field: `${where}.expr`, kind: 'exprs', key: r.expr, printed });
    else if (r.path !== undefined) needs.push({ field: `${where}.path`, kind: 'values', key: r.path, at: r.at, printed });
  }
  return needs;
}

const printedShape = (p: Printed): number[] => (typeof p === 'string' ? [] : [p.length, ...printedShape(p[0])]);

/**
 * Problems that would stop the audit or a run once the fixtures are loaded: a fixture whose claims read certified
 * values but that has no golden file, a golden file that cannot be read, a value a claim reads that its golden
 * file lacks, an `at` outside the value's shape, and a printed value shaped unlike its certified value. Fixtures
 * whose claims read nothing (only unverifiable claims without a path) need no golden file.
 */
export function goldenProblems(fixtures: LoadedFixture[], goldenOf: (id: string) => Golden | null = readGolden): Problem[] {
  const problems: Problem[] = [];
  for (const lf of fixtures) {
    const f = lf.fixture;
    const needs = f.claims.flatMap((c, i) => goldenNeeds(c, i).map((n) => ({ c, n })));
    if (!needs.length) continue;
    const file = shownPath(goldenPath(f.id));
    let g: Golden | null;
    try {
      g = goldenOf(f.id);
    } catch (e) {
      problems.push({ file: lf.file, line: 1, field: 'id', message: (e as Error).message });
      continue;
    }
    if (!g) {
      problems.push({ file: lf.file, line: 1, field: 'id', message: `no expected values for fixture '${f.id}' (${file} is missing): run \`npx tconf golden\`` });
      continue;
    }
    for (const { c, n } of needs) {
      const line = lf.claimLines[c.id] ?? 1;
      const at = (field: string, message: string) => problems.push({ file: lf.file, line, field, message });
      if (n.kind === 'exprs') {
        if (typeof g.exprs[n.key] !== 'string') at(n.field, `no expected value for the expression '${n.key}' in ${file}: run \`npx tconf golden\``);
        else if (n.printed !== undefined && typeof n.printed !== 'string') at(n.field.replace(/\.expr$/, '.printed'), `printed has shape [${printedShape(n.printed)}] but an expression's value is one number`);
        continue;
      }
      const v = g.values[n.key];
      if (!v) {
        at(n.field, `no expected value for '${n.key}' in ${file}: run \`npx tconf golden\``);
        continue;
      }
      let t: Tensor;
      try {
        t = n.at ? select(asTensor(v), n.at) : asTensor(v);
      } catch (e) {
        at(n.field.replace(/\.path$/, '.at'), `${(e as Error).message} (the value of '${n.key}')`);
        continue;
      }
      if (n.printed !== undefined && printedShape(n.printed).join() !== t.shape.join()) {
        at(n.field.replace(/\.(path|expr)$/, '.printed'), `printed has shape [${printedShape(n.printed)}] but the expected value of '${n.key}' has shape [${t.shape}]`);
      }
    }
  }
  return problems;
}

export function writeGolden(g: Golden): void {
  mkdirSync(GOLDEN_DIR, { recursive: true });
  writeFileSync(goldenPath(g.fixture), `${JSON.stringify(g, null, 1)}\n`);
}

export interface GoldenChange {
  key: string;
  change: 'added' | 'removed' | 'changed' | 'reshaped';
  maxAbs?: number;
  maxRel?: number;
}

/** What differs between two frozen sets of expected values, value by value. */
export function diffGolden(before: Golden | null, after: Golden): GoldenChange[] {
  const out: GoldenChange[] = [];
  const old = before?.values ?? {};
  for (const [k, v] of Object.entries(after.values)) {
    const o = old[k];
    if (!o) out.push({ key: k, change: 'added' });
    else if (o.shape.join() !== v.shape.join()) out.push({ key: k, change: 'reshaped' });
    else {
      let maxAbs = 0;
      let maxRel = 0;
      v.data.forEach((x, i) => {
        const d = Math.abs(x - o.data[i]);
        maxAbs = Math.max(maxAbs, d);
        if (d > 0) maxRel = Math.max(maxRel, d / Math.max(Math.abs(x), Math.abs(o.data[i])));
      });
      if (maxAbs > 0 || v.data.some((x, i) => !Object.is(x, o.data[i]))) out.push({ key: k, change: 'changed', maxAbs, maxRel });
    }
  }
  for (const k of Object.keys(old)) if (!(k in after.values)) out.push({ key: k, change: 'removed' });
  const oldExprs = before?.exprs ?? {};
  for (const [e, v] of Object.entries(after.exprs)) {
    if (!(e in oldExprs)) out.push({ key: `expr ${e}`, change: 'added' });
    else if (oldExprs[e] !== v) out.push({ key: `expr ${e}`, change: 'changed' });
  }
  for (const e of Object.keys(oldExprs)) if (!(e in after.exprs)) out.push({ key: `expr ${e}`, change: 'removed' });
  return out;
}

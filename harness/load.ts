// Loading fixtures: read the bytes (bounded in size, UTF-8 only), parse YAML (keeping positions; bounded in
// tokens and nesting, no aliases), validate against spec/fixture.schema.json, then check what a schema cannot:
// finite numbers, unique ids, trace paths that name a real step, example or output, a model configuration whose
// shapes agree with the weights and examples given, op arguments shaped as their op needs, and expressions and
// printed values the audit can read. Nothing in a fixture is ever executed. Every problem is reported with its
// file, line and field; no input makes the loader throw.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020.js';
import { CST, Composer, isMap, isNode, Lexer, LineCounter, Parser, type Document } from 'yaml';
import { makeConfig, type ModelConfig } from '../reference/config.js';
import { countParams, paramSpecs } from '../reference/params.js';
import { parse as parseExpr } from './audit/expr.js';
import { readPrinted, readShape } from './audit/printed.js';
import type { Fixture, LoadedFixture, Printed, Problem } from './fixture.js';
import { OPS, bare, type ModelScenario, type OpCall, type OpName } from './scenario.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The fixture directory; TCONF_FIXTURE_DIR points the command at another one (the CLI's own tests use it). */
export const FIXTURE_DIR = process.env.TCONF_FIXTURE_DIR ?? join(ROOT, 'fixtures');
const schema = JSON.parse(readFileSync(join(ROOT, 'spec', 'fixture.schema.json'), 'utf8'));
const ajv = new Ajv2020.default({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true, discriminator: true, verbose: true });
const validateSchema = ajv.compile(schema);

/**
 * Limits on what a fixture file may be (spec/fixtures.md, "Limits"). They are far above any real fixture (the
 * largest is about 66 KB, 11,000 YAML tokens and 8 levels deep) and far below what would exhaust the loader.
 */
/** The largest fixture file, in bytes: checked before anything is decoded or parsed. */
export const MAX_FIXTURE_BYTES = 2 * 1024 * 1024;
/** The most YAML tokens (scalars, indicators, line breaks, …) a fixture may have: bounds the parser's time and memory. */
export const MAX_YAML_TOKENS = 200_000;
/** The deepest nesting of YAML collections (maps and lists) a fixture may have. */
export const MAX_YAML_DEPTH = 64;
/** The most parameters a model (of a model scenario or a model_cost call) may have: 10 million float64, 80 MB. */
export const MAX_MODEL_PARAMETERS = 10_000_000;
/** The most steps a gd_quadratic call may take, and the largest vocabulary an embedding_backward call may name. */
export const MAX_OP_STEPS = 100_000;
export const MAX_OP_VOCAB = 1_000_000;
/** Problems reported per file; the rest are counted in one last problem. */
export const MAX_PROBLEMS_PER_FILE = 100;

type Segment = string | number;
const toSegments = (pointer: string): Segment[] =>
  pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).map((s) => (/^\d+$/.test(s) ? Number(s) : s));
const toField = (segs: Segment[]): string => segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');

const bytesText = (n: number): string =>
  `${n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`} (${n.toLocaleString('en-US')} bytes)`;

/** The problem of a file larger than MAX_FIXTURE_BYTES, or null. */
function sizeProblem(size: number, file: string): Problem | null {
  if (size <= MAX_FIXTURE_BYTES) return null;
  return { file, line: 1, field: '', message: `the file is ${bytesText(size)}, more than the ${bytesText(MAX_FIXTURE_BYTES)} a fixture may have: split it into several fixtures` };
}

/** The offset of the first byte that is not part of a well-formed UTF-8 sequence, or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // The valid ranges of the second byte, by lead byte (Unicode Table 3-7); the rest are 80..BF.
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const x = b[i + k];
      if (x === undefined || x < (k === 1 ? lo : 0x80) || x > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A fixture file's bytes as text: at most MAX_FIXTURE_BYTES, and UTF-8 (a leading byte-order mark is dropped). */
export function decodeFixture(bytes: Uint8Array, file: string): { text?: string; problems: Problem[] } {
  const big = sizeProblem(bytes.length, file);
  if (big) return { problems: [big] };
  try {
    return { text: utf8.decode(bytes), problems: [] };
  } catch {
    const at = Math.max(0, firstInvalidUtf8(bytes));
    let line = 1;
    let start = 0;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) (line++, (start = i + 1));
    const hex = bytes[at]?.toString(16).toUpperCase().padStart(2, '0') ?? 'end of file';
    return { problems: [{ file, line, field: '', message: `not valid UTF-8: byte 0x${hex} at line ${line}, byte ${at - start + 1} of the line (offset ${at}); a fixture must be UTF-8 text` }] };
  }
}

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

// ---------------------------------------------------------------------------------------------------------------
// YAML, bounded: the tokens are counted while lexing, the concrete syntax tree is walked without recursion for its
// depth, aliases and anchors, and only then is the document composed.

interface Located {
  offset: number;
  segs: Segment[];
  message: string;
}

/** The lexer's own markers, which stand for no character of the source. */
const MARKERS = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/**
 * The source's lexemes; or the offset where there are more than MAX_YAML_TOKENS of them, or where flow collections
 * ([ and {) open more than MAX_YAML_DEPTH deep (found while lexing: the parser is slow on deep flow nesting).
 */
function lex(text: string, flowLimit = true): { lexemes: string[] } | { tooMany: number } | { tooDeep: number } {
  const lexemes: string[] = [];
  let offset = 0;
  let flow = 0;
  for (const lexeme of new Lexer().lex(text)) {
    if (lexemes.length === MAX_YAML_TOKENS) return { tooMany: offset };
    if (lexeme === '[' || lexeme === '{') {
      if (++flow > MAX_YAML_DEPTH && flowLimit) return { tooDeep: offset };
    } else if (lexeme === ']' || lexeme === '}') flow = Math.max(0, flow - 1);
    lexemes.push(lexeme);
    if (!MARKERS.has(lexeme)) offset += lexeme.length;
  }
  return { lexemes };
}

/** The CST of lexed source, the LineCounter filled as it goes. */
function cstOf(lexemes: string[], lc: LineCounter): CST.Token[] {
  const parser = new Parser(lc.addNewLine);
  lc.addNewLine(0);
  const tokens: CST.Token[] = [];
  for (const lexeme of lexemes) for (const t of parser.next(lexeme)) tokens.push(t);
  for (const t of parser.end()) tokens.push(t);
  return tokens;
}

const keyText = (key: CST.Token | null | undefined): Segment => {
  if (!key) return '?';
  if (CST.isScalar(key)) {
    const r = CST.resolveAsScalar(key);
    if (r) return r.value;
  }
  return 'source' in key && typeof key.source === 'string' ? key.source : '?';
};

const DEEP = `nested more than ${MAX_YAML_DEPTH} levels deep (lists and maps); a fixture may nest at most ${MAX_YAML_DEPTH}`;

/** Nesting deeper than MAX_YAML_DEPTH, aliases and anchors, found in the CST with an explicit stack. */
function scanCst(tokens: CST.Token[]): Located[] {
  const found: Located[] = [];
  const props = (list: readonly CST.Token[] | undefined, segs: Segment[]) => {
    for (const t of list ?? []) {
      if (t.type === 'anchor') found.push({ offset: t.offset, segs, message: `YAML anchors (&name) are not allowed in fixtures: write the value out where it is used (found '${t.source}')` });
    }
  };
  const stack: { t: CST.Token; depth: number; segs: Segment[] }[] = tokens.map((t) => ({ t, depth: 0, segs: [] }));
  while (stack.length) {
    const { t, depth, segs } = stack.pop()!;
    switch (t.type) {
      case 'document':
        props(t.start, segs);
        props(t.end, segs);
        if (t.value) stack.push({ t: t.value, depth, segs });
        break;
      case 'doc-end':
        props(t.end, segs);
        break;
      case 'directive':
        found.push({ offset: t.offset, segs, message: `YAML directives (%YAML, %TAG) are not allowed in fixtures: every fixture is read as YAML 1.2 (found '${t.source.split(/\s/)[0]}')` });
        break;
      case 'alias':
        found.push({ offset: t.offset, segs, message: `YAML aliases (*name) are not allowed in fixtures: write the value out (found '${t.source}')` });
        props(t.end, segs);
        break;
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
        props(t.end, segs);
        break;
      case 'block-scalar':
        props(t.props, segs);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > MAX_YAML_DEPTH) {
          found.push({ offset: t.offset, segs, message: DEEP });
          break;
        }
        const isSeq = t.type === 'block-seq' || (t.type === 'flow-collection' && t.start.source === '[');
        if (t.type === 'flow-collection') props(t.end, segs);
        t.items.forEach((item, i) => {
          const at = [...segs, isSeq ? i : keyText(item.key)];
          props(item.start, at);
          props(item.sep, at);
          if (CST.isCollection(item.key)) found.push({ offset: item.key.offset, segs: at, message: 'a key must be a plain value, not a list or a map' });
          if (item.key) stack.push({ t: item.key, depth: depth + 1, segs: at });
          if (item.value) stack.push({ t: item.value, depth: depth + 1, segs: at });
        });
        break;
      }
      default:
        break;
    }
  }
  return found.sort((a, b) => a.offset - b.offset);
}

/** The YAML of a fixture as a document, or the problems that stop it being one. */
function parseYaml(text: string, file: string): { doc?: Document.Parsed; lc: LineCounter; problems: Problem[] } {
  const lc = new LineCounter();
  // A field deeper than a few levels is cut short: the line says where.
  const field = (segs: Segment[]) => (segs.length > 8 ? `${toField(segs.slice(0, 8))}… (${segs.length} levels)` : toField(segs));
  const located = (found: Located[]) => found.map((f) => ({ file, line: lc.linePos(f.offset).line, field: field(f.segs), message: f.message }));
  const lexed = lex(text);
  if ('tooMany' in lexed) {
    // The lines up to the offset reached, counted here: the lexer does not count them.
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < lexed.tooMany; i = text.indexOf('\n', i + 1)) line++;
    return { lc, problems: [{ file, line, field: '', message: `more than ${MAX_YAML_TOKENS.toLocaleString('en-US')} YAML tokens (values, indicators and line breaks) by this line; a fixture may have at most ${MAX_YAML_TOKENS.toLocaleString('en-US')}: split it into several fixtures` }] };
  }
  if ('tooDeep' in lexed) {
    // Only the text up to the bracket that goes too deep is parsed, to say where it is.
    const prefix = lex(text.slice(0, lexed.tooDeep + 1), false);
    const found = 'lexemes' in prefix ? scanCst(cstOf(prefix.lexemes, lc)) : [];
    const deep = found.filter((f) => f.message === DEEP);
    return { lc, problems: deep.length ? located(deep) : [{ file, line: lc.linePos(lexed.tooDeep).line, field: '', message: DEEP }] };
  }
  const tokens = cstOf(lexed.lexemes, lc);
  const found = scanCst(tokens);
  if (found.length) return { lc, problems: located(found) };
  const problems: Problem[] = [];
  let doc: Document.Parsed | undefined;
  for (const d of new Composer({ uniqueKeys: true }).compose(tokens, true, text.length)) {
    if (!doc) doc = d;
    else {
      problems.push({ file, line: lc.linePos(d.range[0]).line, field: '', message: 'YAML: a second document in the file; a fixture is one document' });
      break;
    }
  }
  for (const e of [...(doc?.errors ?? []), ...(doc?.warnings ?? [])]) {
    problems.push({ file, line: lc.linePos(e.pos[0]).line, field: '', message: `YAML: ${e.message.split('\n')[0]}` });
  }
  return { doc, lc, problems };
}

// ---------------------------------------------------------------------------------------------------------------
// Schema errors: those of the branch the data names (the scenario, optimizer and step kinds are discriminated),
// each real error once, without the summaries of oneOf, anyOf and if.

type SchemaObject = Record<string, unknown>;

/** A local `$ref` ('#/$defs/x') of the fixture schema, resolved. */
function resolveRef(s: SchemaObject): SchemaObject {
  if (typeof s.$ref !== 'string' || !s.$ref.startsWith('#/')) return s;
  let node: unknown = schema;
  for (const seg of toSegments(s.$ref.slice(1))) node = (node as Record<string, unknown>)[seg];
  return node as SchemaObject;
}

/** The names of a oneOf whose branches each only require one property (path or expr), or null. */
function requiredChoice(e: ErrorObject): string[] | null {
  if (e.keyword !== 'oneOf' || !Array.isArray(e.schema)) return null;
  const names = (e.schema as SchemaObject[]).map((b) => (Object.keys(b).length === 1 && Array.isArray(b.required) && b.required.length === 1 ? String(b.required[0]) : null));
  return names.every((n) => n !== null) ? (names as string[]) : null;
}

interface SchemaProblem {
  segs: Segment[];
  key?: string;
  message: string;
}

function schemaProblems(errors: ErrorObject[]): SchemaProblem[] {
  const choices = errors.filter((e) => requiredChoice(e));
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    const segs = toSegments(e.instancePath);
    const p = e.params as Record<string, unknown>;
    switch (e.keyword) {
      case 'required':
        // One branch of a "path or expr" choice: reported once, by the choice.
        if (choices.some((c) => c.instancePath === e.instancePath && e.schemaPath.startsWith(`${c.schemaPath}/`))) continue;
        out.push({ segs, message: `missing required key '${p.missingProperty}'` });
        continue;
      case 'additionalProperties':
        out.push({ segs, key: String(p.additionalProperty), message: `unknown key '${p.additionalProperty}'` });
        continue;
      case 'oneOf': {
        const names = requiredChoice(e);
        const passing = p.passingSchemas as number[] | null;
        if (names) out.push({ segs, message: passing ? `has both ${passing.map((i) => `'${names[i]}'`).join(' and ')}: give exactly one` : `needs ${names.map((n) => `'${n}'`).join(' or ')}` });
        else if (passing) out.push({ segs, message: 'matches more than one of its alternatives' });
        continue; // a failing oneOf only summarises the errors of its branches, reported themselves
      }
      case 'anyOf':
      case 'if':
        continue; // summaries of errors reported themselves
      case 'discriminator': {
        const tag = String(p.tag);
        const allowed = ((e.parentSchema as SchemaObject).oneOf as SchemaObject[]).map((b) => ((resolveRef(b).properties as Record<string, SchemaObject>)[tag]).const);
        if (p.tagValue === undefined) out.push({ segs, message: `missing required key '${tag}' (one of: ${allowed.join(', ')})` });
        else out.push({ segs: [...segs, tag], message: `must be one of: ${allowed.join(', ')} (got ${JSON.stringify(p.tagValue)})` });
        continue;
      }
      case 'type':
        out.push({ segs, message: `must be ${String(p.type).split(',').join(', ').replace(/, ([^,]*)$/, ' or $1')}` });
        continue;
      case 'const':
        out.push({ segs, message: `must be ${JSON.stringify(p.allowedValue)}` });
        continue;
      case 'enum':
        out.push({ segs, message: `${e.message}: ${(p.allowedValues as unknown[]).join(', ')}` });
        continue;
      default:
        out.push({ segs, message: e.message ?? e.keyword });
    }
  }
  const seen = new Set<string>();
  return out.filter((x) => {
    const k = `${toField(x.segs)}|${x.key}|${x.message}`;
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

// ---------------------------------------------------------------------------------------------------------------
// Semantic checks.

type At = (segs: Segment[], message: string, key?: string) => void;

/** The shape of a nested list of numbers, or why it has none. */
function shapeOrRagged(x: unknown, where: number[] = []): { shape: number[] } | { ragged: string } {
  if (typeof x === 'number') return { shape: [] };
  if (!Array.isArray(x) || x.length === 0) return { ragged: `${where.length ? `[${where.join('][')}]` : 'it'} is not a number or a non-empty list of numbers` };
  const shapes: number[][] = [];
  for (let i = 0; i < x.length; i++) {
    const r = shapeOrRagged(x[i], [...where, i]);
    if ('ragged' in r) return r;
    shapes.push(r.shape);
  }
  const first = shapes[0];
  const i = shapes.findIndex((s) => s.join() !== first.join());
  if (i < 0) return { shape: [x.length, ...first] };
  const label = (k: number) => (where.length === 0 && shapes[k].length <= 1 && first.length <= 1 ? `row ${k}` : `[${[...where, k].join('][')}]`);
  const has = (s: number[]) => (s.length === 0 ? 'a single number' : s.length === 1 ? `${s[0]} value${s[0] === 1 ? '' : 's'}` : `shape [${s}]`);
  const rows = shapes[i].length === 1 && first.length === 1;
  return { ragged: `is ragged: ${label(i)} has ${has(shapes[i])}, ${label(0)} has ${rows ? first[0] : has(first)}` };
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const flatStrings = (p: Printed): string[] => (typeof p === 'string' ? [p] : p.flatMap(flatStrings));

/** What each op argument must be (harness/impls/reference.ts reads them so). */
type ArgKind = 'tensor' | 'matrix' | 'number' | 'integer' | 'boolean' | 'config';
const ARG_KINDS: { [op in OpName]: Record<string, ArgKind> } = {
  matmul: { A: 'matrix', B: 'matrix' },
  matvec: { M: 'matrix', x: 'tensor' },
  dot: { a: 'tensor', b: 'tensor' },
  subtract: { a: 'tensor', b: 'tensor' },
  outer: { a: 'tensor', b: 'tensor' },
  softmax: { x: 'matrix', upstream: 'tensor' },
  relu: { z: 'tensor', upstream: 'tensor' },
  cross_entropy: { logits: 'tensor', target: 'integer' },
  cross_entropy_grad: { probs: 'tensor', target: 'integer' },
  mse: { y: 'tensor', t: 'tensor', factor: 'number' },
  layer_norm: { x: 'matrix', gamma: 'tensor', beta: 'tensor', eps: 'number', upstream: 'tensor' },
  attention: { Q: 'matrix', K: 'tensor', V: 'tensor', heads: 'integer', causal: 'boolean', upstream: 'tensor' },
  embedding_backward: { tokens: 'tensor', dX: 'matrix', vocab: 'integer' },
  mlp_mse: { x: 'matrix', W_1: 'matrix', b_1: 'tensor', W_2: 'matrix', b_2: 'tensor', target: 'tensor', factor: 'number' },
  sgd: { w: 'tensor', grads: 'tensor', lr: 'number' },
  momentum: { w: 'tensor', grads: 'tensor', lr: 'number', beta: 'number' },
  adam: { w: 'tensor', grads: 'tensor', lr: 'number', beta1: 'number', beta2: 'number', eps: 'number' },
  gd_quadratic: { w: 'number', center: 'number', lr: 'number', steps: 'integer' },
  clip_grad_norm: { g: 'tensor', max_norm: 'number' },
  central_difference: { loss_plus: 'number', loss_minus: 'number', eps: 'number' },
  param_count: { config: 'config' },
  model_cost: { config: 'config', bytes_per_number: 'number', memory_unit: 'number' },
};
/** The argument kinds of every op, exported for the test that they name exactly the inputs of OPS. */
export const OP_ARG_KINDS: Readonly<typeof ARG_KINDS> = ARG_KINDS;

const isRef = (v: unknown): boolean => typeof v === 'object' && v !== null && !Array.isArray(v) && 'from' in v;

/** A model config's parameter count, or the problem with it. */
function modelSize(c: ModelConfig): string | null {
  const n = countParams(c);
  return n > MAX_MODEL_PARAMETERS ? `a model of ${n.toLocaleString('en-US')} parameters, more than the ${MAX_MODEL_PARAMETERS.toLocaleString('en-US')} a fixture may run` : null;
}

/** An op call's arguments against what its op reads: kinds, rectangular lists, and the sizes that must agree. */
function checkCall(call: OpCall, base: Segment[], at: At): void {
  const kinds = ARG_KINDS[call.op];
  const shapes: Record<string, number[]> = {};
  const numbers: Record<string, number> = {};
  for (const [name, v] of Object.entries(call.args)) {
    const kind = Object.hasOwn(kinds, name) ? kinds[name] : undefined;
    if (!kind || isRef(v)) continue;
    const where = [...base, 'args', name];
    if (kind === 'tensor' || kind === 'matrix') {
      if (typeof v !== 'number' && !Array.isArray(v)) {
        at(where, `op ${call.op} needs a number or a list of numbers here`);
        continue;
      }
      const r = shapeOrRagged(v);
      if ('ragged' in r) {
        at(where, r.ragged);
        continue;
      }
      if (kind === 'matrix' && (r.shape.length < 1 || r.shape.length > 2)) {
        at(where, `op ${call.op} needs a vector or a matrix here, not shape [${r.shape}]`);
        continue;
      }
      shapes[name] = r.shape;
    } else if (kind === 'number' || kind === 'integer') {
      if (typeof v !== 'number') at(where, `op ${call.op} needs a number here`);
      else if (kind === 'integer' && !Number.isInteger(v)) at(where, `op ${call.op} needs an integer here (got ${v})`);
      else numbers[name] = v;
    } else if (kind === 'boolean') {
      if (typeof v !== 'boolean') at(where, `op ${call.op} needs true or false here`);
    } else {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        at(where, `op ${call.op} needs a model config here (a map of the fields that differ from Stage 10's)`);
        continue;
      }
      try {
        const c = makeConfig(v as Partial<ModelConfig>);
        const big = call.op === 'model_cost' ? modelSize(c) : null;
        if (big) at(where, big);
      } catch (e) {
        at(where, (e as Error).message);
      }
    }
  }
  const size = (n: string) => (shapes[n] ? sizeOf(shapes[n]) : undefined);
  const rc = (n: string): [number, number] | undefined => (shapes[n] ? (shapes[n].length === 1 ? [1, shapes[n][0]] : [shapes[n][0], shapes[n][1]]) : undefined);
  const arg = (n: string) => [...base, 'args', n];
  const sameSize = (a: string, b: string, what = `${a} has`) => {
    if (size(a) !== undefined && size(b) !== undefined && size(a) !== size(b)) at(arg(b), `${b} has ${size(b)} values but ${what} ${size(a)}`);
  };
  const upstream = (of: string) => sameSize(of, 'upstream', `the output (shaped like ${of}) has`);
  const A = rc('A');
  const B = rc('B');
  const M = rc('M');
  switch (call.op) {
    case 'matmul':
      if (A && B && A[1] !== B[0]) at(arg('B'), `A is ${A[0]}×${A[1]} but B is ${B[0]}×${B[1]}: B needs ${A[1]} rows`);
      break;
    case 'matvec':
      if (M && size('x') !== undefined && size('x') !== M[1]) at(arg('x'), `M is ${M[0]}×${M[1]} but x has ${size('x')} values`);
      break;
    case 'dot':
    case 'subtract':
      sameSize('a', 'b');
      break;
    case 'softmax':
      upstream('x');
      break;
    case 'relu':
      upstream('z');
      break;
    case 'cross_entropy':
    case 'cross_entropy_grad': {
      const n = size(call.op === 'cross_entropy' ? 'logits' : 'probs');
      const t = numbers.target;
      if (n !== undefined && t !== undefined && (t < 0 || t >= n)) at(arg('target'), `target ${t} is not a class index 0..${n - 1}`);
      break;
    }
    case 'mse':
      sameSize('y', 't');
      break;
    case 'layer_norm': {
      const x = rc('x');
      if (x) for (const n of ['gamma', 'beta']) if (size(n) !== undefined && size(n) !== x[1]) at(arg(n), `${n} has ${size(n)} values but x has ${x[1]} features`);
      upstream('x');
      break;
    }
    case 'attention': {
      sameSize('Q', 'K');
      sameSize('Q', 'V');
      upstream('Q');
      const Q = rc('Q');
      const h = numbers.heads;
      if (Q && h !== undefined && (h < 1 || h > Q[1] || Q[1] % h !== 0)) at(arg('heads'), `${h} heads do not divide the ${Q[1]} features of Q`);
      break;
    }
    case 'embedding_backward': {
      const dX = rc('dX');
      const vocab = numbers.vocab;
      const tokens = call.args.tokens;
      if (vocab !== undefined && (vocab < 1 || vocab > MAX_OP_VOCAB)) at(arg('vocab'), `vocab must be 1..${MAX_OP_VOCAB.toLocaleString('en-US')} (got ${vocab})`);
      if (shapes.tokens) {
        const list = ([tokens] as unknown[]).flat(Infinity) as number[];
        const bad = list.findIndex((t) => !Number.isInteger(t) || t < 0 || (vocab !== undefined && t >= vocab));
        if (bad >= 0) at(arg('tokens'), `token ${list[bad]} is not an id 0..${vocab === undefined ? '' : vocab - 1}`);
        if (dX && dX[0] !== list.length) at(arg('dX'), `${list.length} tokens but dX has ${dX[0]} rows`);
      }
      break;
    }
    case 'mlp_mse': {
      const x = rc('x');
      const W1 = rc('W_1');
      const W2 = rc('W_2');
      if (x && W1 && W1[0] !== x[1]) at(arg('W_1'), `x has ${x[1]} features but W_1 is ${W1[0]}×${W1[1]}`);
      if (W1 && W2 && W2[0] !== W1[1]) at(arg('W_2'), `W_1 is ${W1[0]}×${W1[1]} but W_2 is ${W2[0]}×${W2[1]}`);
      if (W1 && size('b_1') !== undefined && size('b_1') !== W1[1]) at(arg('b_1'), `b_1 has ${size('b_1')} values but W_1 has ${W1[1]} columns`);
      if (W2 && size('b_2') !== undefined && size('b_2') !== W2[1]) at(arg('b_2'), `b_2 has ${size('b_2')} values but W_2 has ${W2[1]} columns`);
      if (x && W2 && size('target') !== undefined && size('target') !== x[0] * W2[1]) at(arg('target'), `target has ${size('target')} values but the output is ${x[0]}×${W2[1]}`);
      break;
    }
    case 'sgd':
    case 'momentum':
    case 'adam': {
      const w = size('w');
      const g = size('grads');
      if (w !== undefined && g !== undefined && g % w !== 0) at(arg('grads'), `${g} values do not split into steps of ${w} (the size of w)`);
      break;
    }
    case 'gd_quadratic':
      if (numbers.steps !== undefined && (numbers.steps < 0 || numbers.steps > MAX_OP_STEPS)) at(arg('steps'), `steps must be 0..${MAX_OP_STEPS.toLocaleString('en-US')} (got ${numbers.steps})`);
      break;
    default:
      break;
  }
}

/** A model scenario's config, weights and examples against each other. */
function checkModel(s: ModelScenario, at: At): void {
  let config: ModelConfig;
  try {
    config = makeConfig(s.config);
  } catch (e) {
    return at(['scenario', 'config'], (e as Error).message);
  }
  const big = modelSize(config);
  if (big) return at(['scenario', 'config'], big);
  const specs = paramSpecs(config);
  const names = new Set(specs.map((p) => p.name));
  for (const [name, value] of Object.entries(s.weights ?? {})) {
    const spec = specs.find((p) => p.name === name);
    if (!spec) {
      at(['scenario', 'weights'], `no parameter '${name}' in this model (it has ${[...names].join(', ')})`, name);
      continue;
    }
    const r = shapeOrRagged(value);
    if ('ragged' in r) at(['scenario', 'weights'], r.ragged, name);
    else if (r.shape.join() !== spec.shape.join()) at(['scenario', 'weights'], `shape [${r.shape}], the model needs [${spec.shape}]`, name);
  }
  const missing = [...names].filter((n) => !(n in (s.weights ?? {})));
  if (missing.length && !s.init) at(['scenario'], `weights not given for ${missing.join(', ')} and no init seed`);
  const trains = s.steps.some((st) => st.do === 'train');
  s.steps.forEach((st, i) => {
    if (st.do !== 'train') return;
    st.trainable?.forEach((n, j) => names.has(n) || at(['scenario', 'steps', i, 'trainable', j], `no parameter '${n}' in this model`));
    if (config.head === 'none') at(['scenario', 'steps', i], `a model without a head (head: none) has no loss to train`);
  });
  const stepIds = new Set<string>();
  s.steps.forEach((st, i) => (stepIds.has(st.id) ? at(['scenario', 'steps', i, 'id'], `duplicate step id '${st.id}'`) : stepIds.add(st.id)));
  s.examples.forEach((ex, i) => {
    const here: Segment[] = ['scenario', 'examples', i];
    if (config.input === 'tokens') {
      if (ex.inputs) at([...here, 'inputs'], `the model's input is tokens (config.input): 'inputs' would be ignored`);
      if (!ex.tokens) at(here, `the model's input is tokens: this example needs 'tokens'`);
      else {
        const bad = ex.tokens.findIndex((t) => t >= config.vocab);
        if (bad >= 0) at([...here, 'tokens', bad], `token ${ex.tokens[bad]} is outside the vocabulary 0..${config.vocab - 1}`);
        if (ex.tokens.length > config.seqLen) at([...here, 'tokens'], `${ex.tokens.length} tokens, more than seqLen ${config.seqLen}`);
      }
    } else {
      if (ex.tokens) at([...here, 'tokens'], `the model's input is continuous (config.input): 'tokens' would be ignored`);
      if (!ex.inputs) at(here, `the model's input is continuous: this example needs 'inputs' (rows of ${config.inDim} numbers)`);
      else {
        const bad = ex.inputs.findIndex((row) => row.length !== config.inDim);
        if (bad >= 0) at([...here, 'inputs', bad], `row ${bad} has ${ex.inputs[bad].length} values, the model's inDim is ${config.inDim}`);
        if (ex.inputs.length > config.seqLen) at([...here, 'inputs'], `${ex.inputs.length} positions, more than seqLen ${config.seqLen}`);
      }
    }
    const t = ex.target;
    if (t === undefined) {
      if (trains && config.head !== 'none') at(here, `a train step needs a target for every example`);
    } else if (config.head === 'none') at([...here, 'target'], `the model has no head (head: none): the target would be ignored`);
    else if (config.head === 'classification') {
      if (typeof t !== 'number') at([...here, 'target'], `the classification head needs a class index 0..${config.outDim - 1}, not a list`);
      else if (t >= config.outDim) at([...here, 'target'], `class ${t} is outside 0..${config.outDim - 1} (outDim ${config.outDim})`);
    } else if (typeof t === 'number') at([...here, 'target'], `the regression head needs a list of ${config.outDim} numbers, not a class index`);
    else if (t.length !== config.outDim) at([...here, 'target'], `${t.length} values, the regression head has outDim ${config.outDim}`);
  });
}

/** A claim's expressions, worksheet lines and printed strings, read as the audit will read them. */
function checkClaimText(c: Fixture['claims'][number], i: number, at: At): void {
  const tryParse = (src: string, segs: Segment[]) => {
    try {
      parseExpr(src);
    } catch (e) {
      at(segs, (e as Error).message);
    }
  };
  if (c.expr !== undefined) tryParse(c.expr, ['claims', i, 'expr']);
  c.of?.forEach((o, j) => o.expr !== undefined && tryParse(o.expr, ['claims', i, 'of', j, 'expr']));
  const eachString = (p: Printed, segs: Segment[], f: (s: string, segs: Segment[]) => void) =>
    typeof p === 'string' ? f(p, segs) : p.forEach((q, k) => eachString(q, [...segs, k], f));
  if (c.worksheet !== undefined) eachString(c.worksheet, ['claims', i, 'worksheet'], (s, segs) => s !== '' && tryParse(s, segs));
  const number = (s: string, segs: Segment[]) => {
    try {
      readPrinted(s);
    } catch (e) {
      at(segs, (e as Error).message);
    }
  };
  if (c.kind === 'shape' && c.printed !== undefined) {
    if (typeof c.printed !== 'string') at(['claims', i, 'printed'], `a shape claim's printed value is one string such as "2×2"`);
    else {
      try {
        readShape(c.printed);
      } catch (e) {
        at(['claims', i, 'printed'], (e as Error).message);
      }
    }
  }
  if ((c.kind === 'value' || c.kind === 'count') && c.printed !== undefined) {
    eachString(c.printed, ['claims', i, 'printed'], number);
    const ps = shapeOrRaggedPrinted(c.printed);
    if (ps) at(['claims', i, 'printed'], ps);
    if (c.worksheet !== undefined) {
      const lines = flatStrings(c.worksheet).length;
      const values = flatStrings(c.printed).length;
      if (lines !== values) at(['claims', i, 'worksheet'], `${lines} worksheet line(s) for ${values} printed value(s): shape it like printed ("" where there is none)`);
    }
  }
  if (c.kind === 'relation') c.of?.forEach((o, j) => o.printed !== undefined && eachString(o.printed, ['claims', i, 'of', j, 'printed'], number));
}

/** Why a nested list of printed strings is not rectangular, or null. */
function shapeOrRaggedPrinted(p: Printed): string | null {
  const toShape = (q: Printed): unknown => (typeof q === 'string' ? 0 : q.map(toShape));
  const r = shapeOrRagged(toShape(p));
  return 'ragged' in r ? r.ragged : null;
}

/** Checks a schema-valid fixture's cross-references; `at(segs, msg)` records a problem at a path. */
function checkSemantics(f: Fixture, at: At): void {
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
    checkClaimText(c, i, at);
  });
  if (s.kind === 'model') checkModel(s, at);
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
      checkCall(call, ['scenario', key, i], at);
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------

/** At most MAX_PROBLEMS_PER_FILE problems, the rest counted in a last one. */
function capped(problems: Problem[], file: string): Problem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const rest = problems.length - MAX_PROBLEMS_PER_FILE;
  return [...problems.slice(0, MAX_PROBLEMS_PER_FILE), { file, line: problems[MAX_PROBLEMS_PER_FILE].line, field: '', message: `${rest} more problem(s) in this file not listed` }];
}

function parseChecked(text: string, file: string): { loaded?: LoadedFixture; problems: Problem[] } {
  const big = sizeProblem(Buffer.byteLength(text, 'utf8'), file);
  if (big) return { problems: [big] };
  const { doc, lc, problems } = parseYaml(text, file);
  if (problems.length || !doc) return { problems };
  const at = (segs: Segment[], message: string, key?: string) =>
    problems.push({ file, line: lineOf(doc, lc, segs, key), field: toField(key !== undefined ? [...segs, key] : segs), message });
  const data = doc.toJS({ maxAliasCount: 0 }) as unknown;
  for (const segs of nonFinite(data)) at(segs, 'not a finite number (NaN and Infinity are not allowed)');
  if (!validateSchema(data)) for (const e of schemaProblems(validateSchema.errors ?? [])) at(e.segs, e.message, e.key);
  if (problems.length) return { problems };
  const fixture = data as Fixture;
  checkSemantics(fixture, at);
  if (problems.length) return { problems };
  const claimLines: Record<string, number> = {};
  fixture.claims.forEach((c, i) => (claimLines[c.id] = lineOf(doc, lc, ['claims', i])));
  return { loaded: { file, fixture, claimLines }, problems };
}

/** Parses and checks one fixture's text; returns the fixture or the problems, each with file, line and field. */
export function parseFixture(text: string, file: string): { loaded?: LoadedFixture; problems: Problem[] } {
  try {
    const r = parseChecked(text, file);
    return { ...r, problems: capped(r.problems, file) };
  } catch (e) {
    // Not expected for any input; reported as a problem of the file rather than thrown.
    return { problems: [{ file, line: 1, field: '', message: `could not be checked: ${(e as Error)?.message ?? String(e)}` }] };
  }
}

/** Parses and checks one fixture file's bytes: the size limit and UTF-8 first, then as parseFixture. */
export function parseFixtureFile(bytes: Uint8Array, file: string): { loaded?: LoadedFixture; problems: Problem[] } {
  const d = decodeFixture(bytes, file);
  return d.text === undefined ? { problems: d.problems } : parseFixture(d.text, file);
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
    // A file over the limit is not even read.
    const big = sizeProblem(statSync(path).size, file);
    const r: { loaded?: LoadedFixture; problems: Problem[] } = big ? { problems: [big] } : parseFixtureFile(readFileSync(path), file);
    problems.push(...r.problems);
    if (!r.loaded) continue;
    const id = r.loaded.fixture.id;
    if (ids.has(id)) problems.push({ file, line: 1, field: 'id', message: `duplicate fixture id '${id}' (also in ${ids.get(id)})` });
    else ids.set(id, file);
    fixtures.push(r.loaded);
  }
  return { fixtures, problems };
}

// Hostile fixture files: each must become problems with file, line and field (exit 2 from the CLI), never an
// exception, and the large ones must be refused fast and in bounded memory.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse as plainYaml } from 'yaml';
import { formatProblem, type LoadedFixture, type Problem } from './fixture.js';
import { goldenProblems, type Golden } from './golden.js';
import { fixtureFiles, loadFixtures, MAX_FIXTURE_BYTES, MAX_YAML_TOKENS, parseFixture, parseFixtureFile, ROOT } from './load.js';

const FILE = 'fixtures/t.yaml';

/** An ops fixture; its lines: 7 the call, 9 the claim, 11 quote, 12 path, 13 printed, 14 verdict. */
const GOOD = `id: t
title: a small fixture
document: false
scenario:
  kind: ops
  calls:
    - { id: p, op: matmul, args: { A: [[1, 0], [0, 1]], B: [[0.5, 0.5], [0.5, 0.5]] } }
claims:
  - id: c
    kind: value
    quote: "C = A × B"
    path: p/C
    printed: [["0.5", "0.5"], ["0.5", "0.5"]]
    verdict: ok
`;

const CONFIG = '{ vocab: 2, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 2, positional: none, attnProjection: false, attnResidual: false, layerNorm: false, outDim: 2, headBias: false }';
const PARAMS = ['embedding.E', 'blocks.0.attn.W_Q', 'blocks.0.attn.W_K', 'blocks.0.attn.W_V', 'head.W_out'];

/** A model fixture; its lines: 6 config, 8-12 the weights in PARAMS order, 13 examples, 14 steps, 16 the claim. */
function model(o: { config?: string; weights?: Record<string, string>; examples?: string; steps?: string; extra?: string } = {}): string {
  const weights = PARAMS.map((n) => `    ${n}: ${o.weights?.[n] ?? '[[1, 0], [0, 1]]'}`).join('\n');
  return `id: m
title: m
document: false
scenario:
  kind: model
  config: ${o.config ?? CONFIG}
  weights:
${weights}
  examples: ${o.examples ?? '[{ tokens: [0, 1], target: 1 }]'}
  steps: ${o.steps ?? '[{ id: f, do: forward }]'}${o.extra ?? ''}
claims:
  - { id: c, kind: value, quote: q, path: f/0/probs, printed: ["0.5", "0.5"], verdict: ok }
`;
}

/** GOOD with one byte sequence replacing the first occurrence of `marker` (as bytes). */
function withBytes(text: string, marker: string, bytes: number[]): Buffer {
  const b = Buffer.from(text);
  const i = b.indexOf(marker);
  return Buffer.concat([b.subarray(0, i), Buffer.from(bytes), b.subarray(i + Buffer.byteLength(marker))]);
}

const worksheet = (line: string) =>
  GOOD.replace('    verdict: ok', `    worksheet: [["${line}", ""], ["", ""]]\n    verdict: ok`);
const exprClaim = (expr: string) => GOOD.replace('    path: p/C\n', `    expr: "${expr}"\n`).replace('printed: [["0.5", "0.5"], ["0.5", "0.5"]]', 'printed: "1"');
const call = (args: string, op = 'matmul') => GOOD.replace('op: matmul, args: { A: [[1, 0], [0, 1]], B: [[0.5, 0.5], [0.5, 0.5]] }', `op: ${op}, args: ${args}`);

interface Case {
  name: string;
  input: () => string | Buffer;
  line: number;
  field: RegExp;
  message: RegExp;
  /** No problem may match this (the errors of another branch, say). */
  not?: RegExp;
}

const CASES: Case[] = [
  // 1. Aliases and anchors are refused where they are, before anything resolves them.
  { name: 'an alias of a matrix', input: () => GOOD.replace('A: [[1, 0], [0, 1]]', 'A: &m [[1, 0], [0, 1]]').replace('B: [[0.5, 0.5], [0.5, 0.5]]', 'B: *m'), line: 7, field: /^scenario\.calls\[0\]\.args\.B$/, message: /^YAML aliases \(\*name\) are not allowed in fixtures: write the value out \(found '\*m'\)$/ },
  { name: 'the anchor of that alias', input: () => GOOD.replace('A: [[1, 0], [0, 1]]', 'A: &m [[1, 0], [0, 1]]').replace('B: [[0.5, 0.5], [0.5, 0.5]]', 'B: *m'), line: 7, field: /^scenario\.calls\[0\]\.args\.A$/, message: /^YAML anchors \(&name\) are not allowed in fixtures: .*found '&m'/ },
  { name: 'an alias to an undefined anchor', input: () => GOOD.replace('quote: "C = A × B"', 'quote: *nowhere'), line: 11, field: /^claims\[0\]\.quote$/, message: /YAML aliases \(\*name\) are not allowed/ },
  { name: 'a merge key of an alias', input: () => `base: &b { id: t }\n${GOOD.replace('id: t\n', '<<: *b\n')}`, line: 2, field: /^<<$/, message: /YAML aliases \(\*name\) are not allowed/ },
  { name: 'a billion laughs', input: () => `a: &a ["lol", "lol"]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n`, line: 2, field: /^b\[0\]$/, message: /YAML aliases/ },
  // 2. Nesting: block and flow, bounded without recursing over the input.
  { name: '2000 levels of block maps', input: () => `id: t\nx:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}k${i}:`).join('\n')}\n${' '.repeat(2001)}v: 1\n`, line: 66, field: /^x\.k0\.k1\.k2\.k3\.k4\.k5\.k6… \(64 levels\)$/, message: /^nested more than 64 levels deep \(lists and maps\); a fixture may nest at most 64$/ },
  { name: '2000 levels of block lists on one line', input: () => `id: t\nx:\n  ${'- '.repeat(2000)}1\n`, line: 3, field: /^x\[0\]\[0\]/, message: /^nested more than 64 levels deep/ },
  { name: '2000 levels of block lists, one per line', input: () => `id: t\nx:\n${Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i)}-`).join('\n')} 1\n`, line: 66, field: /^x\[0\]\[0\]/, message: /^nested more than 64 levels deep/ },
  { name: '20,000 levels of flow lists', input: () => GOOD.replace('A: [[1, 0], [0, 1]]', `A: ${'['.repeat(20_000)}1${']'.repeat(20_000)}`), line: 7, field: /^scenario\.calls\[0\]\.args\.A\[0\]\[0\]\[0\]… \(64 levels\)$/, message: /^nested more than 64 levels deep/ },
  { name: '20,000 levels of flow maps', input: () => `id: t\nx: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}\n`, line: 2, field: /^x\.a\.a\.a/, message: /^nested more than 64 levels deep/ },
  { name: 'block lists holding flow lists, 70 levels in all', input: () => `id: t\nx:\n  ${'- '.repeat(40)}${'['.repeat(30)}1${']'.repeat(30)}\n`, line: 3, field: /^x\[0\]/, message: /^nested more than 64 levels deep/ },
  // 3. Size, before anything is decoded or parsed; and tokens, before the parser builds anything.
  { name: 'a 20 MB file', input: () => Buffer.concat([Buffer.from(GOOD), Buffer.alloc(20 * 1024 * 1024, '#')]), line: 1, field: /^$/, message: /^the file is 20\.0 MiB \(20,971,818 bytes\), more than the 2\.0 MiB \(2,097,152 bytes\) a fixture may have/ },
  { name: 'one byte over the limit', input: () => Buffer.concat([Buffer.from(GOOD), Buffer.alloc(MAX_FIXTURE_BYTES + 1 - Buffer.byteLength(GOOD), '#')]), line: 1, field: /^$/, message: /\(2,097,153 bytes\), more than the 2\.0 MiB/ },
  { name: 'the same as text', input: () => GOOD + '#'.repeat(MAX_FIXTURE_BYTES), line: 1, field: /^$/, message: /more than the 2\.0 MiB \(2,097,152 bytes\)/ },
  { name: '300,000 numbers in 600 KB', input: () => `${GOOD}readings: [${'0,'.repeat(300_000)}0]\n`, line: 15, field: /^$/, message: /^more than 200,000 YAML tokens .* by this line; a fixture may have at most 200,000/ },
  // 4. UTF-8 only, with the line of the first bad byte.
  { name: 'a 0xFF byte', input: () => withBytes(GOOD, 'small', [0x73, 0xff, 0x6d]), line: 2, field: /^$/, message: /^not valid UTF-8: byte 0xFF at line 2, byte 11 of the line \(offset 16\); a fixture must be UTF-8 text$/ },
  { name: 'a Latin-1 é', input: () => withBytes(GOOD, '×', [0xe9]), line: 11, field: /^$/, message: /^not valid UTF-8: byte 0xE9 at line 11/ },
  { name: 'an overlong encoding of "/"', input: () => withBytes(GOOD, 'p/C', [0x70, 0xc0, 0xaf, 0x43]), line: 12, field: /^$/, message: /byte 0xC0 at line 12/ },
  { name: 'an encoded surrogate', input: () => withBytes(GOOD, '×', [0xed, 0xa0, 0x80]), line: 11, field: /^$/, message: /byte 0xED at line 11/ },
  { name: 'a sequence cut off by the end of the file', input: () => Buffer.concat([Buffer.from(GOOD), Buffer.from([0xe2, 0x82])]), line: 15, field: /^$/, message: /byte 0xE2 at line 15/ },
  { name: 'a UTF-16 file', input: () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')]), line: 1, field: /^$/, message: /byte 0xFF at line 1, byte 1 of the line .*a fixture must be UTF-8 text/ },
  // 5. Expressions are parsed when the fixture loads, within limits of length and depth.
  { name: '20,000 nested parentheses in a worksheet line', input: () => worksheet(`${'('.repeat(20_000)}1${')'.repeat(20_000)}`), line: 14, field: /^claims\[0\]\.worksheet\[0\]\[0\]$/, message: /^expression of 40001 characters, more than the 10000 allowed/ },
  { name: '300 nested parentheses in an expr', input: () => exprClaim(`${'('.repeat(300)}1${')'.repeat(300)}`), line: 12, field: /^claims\[0\]\.expr$/, message: /^nested more than 200 levels deep \(parentheses, function calls, signs and powers\)/ },
  { name: '5,000 signs', input: () => exprClaim(`${'-'.repeat(5000)}1`), line: 12, field: /^claims\[0\]\.expr$/, message: /^nested more than 200 levels deep/ },
  { name: 'a chain of 4,000 additions', input: () => exprClaim(`${'1 + '.repeat(2000)}1`), line: 12, field: /^claims\[0\]\.expr$/, message: /^more than 200 operations deep .*write a long sum as sum/ },
  { name: 'an unknown function', input: () => exprClaim('1 + system(2)'), line: 12, field: /^claims\[0\]\.expr$/, message: /^unknown name 'system' \(only exp, ln, log, sqrt, max, min, sum, exact are allowed\) at column 5/ },
  { name: 'a worksheet line that does not parse', input: () => worksheet('0.5 × × 1'), line: 14, field: /^claims\[0\]\.worksheet\[0\]\[0\]$/, message: /^unexpected '\*'/ },
  { name: 'a relation operand expr that does not parse', input: () => GOOD.replace('kind: value', 'kind: relation').replace(/    path: p\/C\n    printed: .*\n/, '    relation: positive\n    of: [{ expr: "2 +" }]\n'), line: 13, field: /^claims\[0\]\.of\[0\]\.expr$/, message: /^unexpected end of expression/ },
  // 7. Shapes and ranges: weights, examples and op arguments.
  { name: 'a weight of the wrong shape', input: () => model({ weights: { 'blocks.0.attn.W_Q': '[[1, 0, 0], [0, 1, 0]]' } }), line: 9, field: /^scenario\.weights\.blocks\.0\.attn\.W_Q$/, message: /^shape \[2,3\], the model needs \[2,2\]$/ },
  { name: 'a matrix weight given flat', input: () => model({ weights: { 'head.W_out': '[1, 0, 0, 1]' } }), line: 12, field: /^scenario\.weights\.head\.W_out$/, message: /^shape \[4\], the model needs \[2,2\]$/ },
  { name: 'a ragged weight', input: () => model({ weights: { 'blocks.0.attn.W_Q': '[[1, 0], [0, 1, 2]]' } }), line: 9, field: /^scenario\.weights\.blocks\.0\.attn\.W_Q$/, message: /^is ragged: row 1 has 3 values, row 0 has 2$/ },
  { name: 'a token outside the vocabulary', input: () => model({ examples: '[{ tokens: [0, 2], target: 1 }]' }), line: 13, field: /^scenario\.examples\[0\]\.tokens\[1\]$/, message: /^token 2 is outside the vocabulary 0\.\.1$/ },
  { name: 'a sequence longer than seqLen', input: () => model({ examples: '[{ tokens: [0, 1, 1], target: 1 }]' }), line: 13, field: /^scenario\.examples\[0\]\.tokens$/, message: /^3 tokens, more than seqLen 2$/ },
  { name: 'a class target outside outDim', input: () => model({ examples: '[{ tokens: [0, 1], target: 2 }]' }), line: 13, field: /^scenario\.examples\[0\]\.target$/, message: /^class 2 is outside 0\.\.1 \(outDim 2\)$/ },
  { name: 'a list target for a classification head', input: () => model({ examples: '[{ tokens: [0, 1], target: [1, 0] }]' }), line: 13, field: /^scenario\.examples\[0\]\.target$/, message: /needs a class index 0\.\.1, not a list/ },
  { name: 'a regression target of the wrong length', input: () => model({ config: CONFIG.replace('outDim: 2', 'outDim: 2, head: regression'), examples: '[{ tokens: [0, 1], target: [1] }]' }), line: 13, field: /^scenario\.examples\[0\]\.target$/, message: /^1 values, the regression head has outDim 2$/ },
  { name: 'a train step with an example without target', input: () => model({ examples: '[{ tokens: [0, 1] }]', steps: '[{ id: f, do: train }]' }), line: 13, field: /^scenario\.examples\[0\]$/, message: /^a train step needs a target for every example$/ },
  { name: 'continuous inputs of the wrong width', input: () => model({ config: CONFIG.replace('vocab: 2,', "vocab: 2, input: continuous, inDim: 2,"), weights: {}, examples: '[{ inputs: [[1, 0], [1]], target: 1 }]' }).replace('    embedding.E: [[1, 0], [0, 1]]\n', '    input.W_in: [[1, 0], [0, 1]]\n    input.b_in: [0, 0]\n'), line: 14, field: /^scenario\.examples\[0\]\.inputs\[1\]$/, message: /^row 1 has 1 values, the model's inDim is 2$/ },
  { name: 'a model too big to run', input: () => model({ config: CONFIG.replace('dModel: 2', 'dModel: 100000') }), line: 6, field: /^scenario\.config$/, message: /^a model of 30,000,400,000 parameters, more than the 10,000,000 a fixture may run$/ },
  { name: 'a ragged op argument', input: () => call('{ A: [[1, 0], [0, 1, 2]], B: [[1], [1]] }'), line: 7, field: /^scenario\.calls\[0\]\.args\.A$/, message: /^is ragged: row 1 has 3 values, row 0 has 2$/ },
  { name: 'matrices that do not multiply', input: () => call('{ A: [[1, 0, 1], [0, 1, 1]], B: [[1, 0], [0, 1]] }'), line: 7, field: /^scenario\.calls\[0\]\.args\.B$/, message: /^A is 2×3 but B is 2×2: B needs 3 rows$/ },
  { name: 'a 3-tensor for a matrix argument', input: () => call('{ A: [[[1]]], B: [[1]] }'), line: 7, field: /^scenario\.calls\[0\]\.args\.A$/, message: /^op matmul needs a vector or a matrix here, not shape \[1,1,1\]$/ },
  { name: 'a list for a number argument', input: () => call('{ y: [1], t: [1], factor: [0.5] }', 'mse'), line: 7, field: /^scenario\.calls\[0\]\.args\.factor$/, message: /^op mse needs a number here$/ },
  { name: 'a class target outside the logits', input: () => call('{ logits: [1, 2], target: 2 }', 'cross_entropy').replace('path: p/C', 'path: p/loss').replace('printed: [["0.5", "0.5"], ["0.5", "0.5"]]', 'printed: "1"'), line: 7, field: /^scenario\.calls\[0\]\.args\.target$/, message: /^target 2 is not a class index 0\.\.1$/ },
  { name: 'a layer norm gamma of the wrong size', input: () => call('{ x: [[1, 2]], gamma: [1], beta: [0, 0], eps: 0.00001 }', 'layer_norm').replace('path: p/C', 'path: p/y'), line: 7, field: /^scenario\.calls\[0\]\.args\.gamma$/, message: /^gamma has 1 values but x has 2 features$/ },
  { name: 'a gradient descent of 10^12 steps', input: () => call('{ w: 0, center: 3, lr: 0.1, steps: 1000000000000 }', 'gd_quadratic').replace('path: p/C', 'path: p/trajectory'), line: 7, field: /^scenario\.calls\[0\]\.args\.steps$/, message: /^steps must be 0\.\.100,000/ },
  { name: 'a printed value that is not a number', input: () => GOOD.replace('["0.5", "0.5"], ["0.5", "0.5"]', '["0.5", "half"], ["0.5", "0.5"]'), line: 13, field: /^claims\[0\]\.printed\[0\]\[1\]$/, message: /^printed value 'half' is not a number$/ },
  { name: 'worksheet lines not shaped like printed', input: () => GOOD.replace('    verdict: ok', '    worksheet: ["0.5 × 1"]\n    verdict: ok'), line: 14, field: /^claims\[0\]\.worksheet$/, message: /^1 worksheet line\(s\) for 4 printed value\(s\)/ },
  // 8. Schema errors: those of the branch the data names, each real error reported.
  { name: 'a string where a weight matrix belongs', input: () => model({ weights: { 'embedding.E': '"abc"' } }), line: 8, field: /^scenario\.weights\.embedding\.E$/, message: /^must be number or array$/, not: /unknown key|missing required key/ },
  { name: 'a string where an op matrix belongs', input: () => GOOD.replace('A: [[1, 0], [0, 1]]', 'A: "abc"'), line: 7, field: /^scenario\.calls\[0\]\.args\.A$/, message: /^must be number, array, boolean or object$/, not: /unknown key|missing required key/ },
  { name: 'a string in a matrix', input: () => GOOD.replace('A: [[1, 0], [0, 1]]', 'A: [[1, "x"], [0, 1]]'), line: 7, field: /^scenario\.calls\[0\]\.args\.A\[0\]\[1\]$/, message: /^must be number or array$/, not: /unknown key|missing required key|calls\[0\]\.args\.A: / },
  { name: 'an unknown scenario kind', input: () => GOOD.replace('kind: ops', 'kind: opz'), line: 5, field: /^scenario\.kind$/, message: /^must be one of: model, ops, none, measurement \(got "opz"\)$/, not: /unknown key|missing required key/ },
  { name: 'a scenario without kind', input: () => GOOD.replace('  kind: ops\n', ''), line: 5, field: /^scenario$/, message: /^missing required key 'kind' \(one of: model, ops, none, measurement\)$/ },
  { name: 'a scenario that is a string', input: () => GOOD.replace(/scenario:\n {2}kind: ops\n {2}calls:\n.*\n/, 'scenario: ops\n'), line: 4, field: /^scenario$/, message: /^must be object$/ },
  { name: 'an unknown optimizer kind', input: () => model({ extra: '\n  optimizer: { kind: rmsprop, lr: 0.1 }' }), line: 15, field: /^scenario\.optimizer\.kind$/, message: /^must be one of: sgd, momentum, adam \(got "rmsprop"\)$/, not: /unknown key|missing required key/ },
  { name: 'a string learning rate', input: () => model({ extra: '\n  optimizer: { kind: momentum, lr: fast, beta: 0.9 }' }), line: 15, field: /^scenario\.optimizer\.lr$/, message: /^must be number$/, not: /unknown key|missing required key/ },
  { name: 'a train step with a string clip', input: () => model({ steps: '[{ id: f, do: train, clip: high }]' }), line: 14, field: /^scenario\.steps\[0\]\.clip$/, message: /^must be number$/, not: /unknown key/ },
  { name: 'a wrong type beside an unknown key (the type error)', input: () => GOOD.replace('document: false', 'document: "no"').replace('    verdict: ok', '    verdict: ok\n    colour: red'), line: 3, field: /^document$/, message: /^must be boolean$/ },
  { name: 'a wrong type beside an unknown key (the unknown key)', input: () => GOOD.replace('document: false', 'document: "no"').replace('    verdict: ok', '    verdict: ok\n    colour: red'), line: 15, field: /^claims\[0\]\.colour$/, message: /^unknown key 'colour'$/ },
  { name: 'a derived claim with another verdict', input: () => GOOD.replace('    printed: [["0.5", "0.5"], ["0.5", "0.5"]]\n', '    derived_from: the page asks\n').replace('kind: value', 'kind: derived'), line: 14, field: /^claims\[0\]\.verdict$/, message: /^must be "derived"$/ },
  { name: 'a claim with both path and expr', input: () => GOOD.replace('    path: p/C\n', '    path: p/C\n    expr: "1"\n'), line: 9, field: /^claims\[0\]$/, message: /^has both 'path' and 'expr': give exactly one$/ },
  { name: 'a claim with neither path nor expr', input: () => GOOD.replace('    path: p/C\n', ''), line: 9, field: /^claims\[0\]$/, message: /^needs 'path' or 'expr'$/, not: /missing required key/ },
  { name: 'an empty file', input: () => '', line: 1, field: /^$/, message: /^must be object$/ },
  { name: 'two documents', input: () => `${GOOD}---\nid: u\n`, line: 15, field: /^$/, message: /^YAML: a second document in the file/ },
  { name: 'a %YAML 1.1 directive (where "no" would read as false)', input: () => `%YAML 1.1\n---\n${GOOD.replace('document: false', 'document: no')}`, line: 1, field: /^$/, message: /^YAML directives \(%YAML, %TAG\) are not allowed in fixtures: every fixture is read as YAML 1.2 \(found '%YAML'\)$/ },
  { name: 'a map as a key', input: () => GOOD.replace('title: a small fixture', 'title: x\n{ a: 1 }: 2'), line: 3, field: /^\?$/, message: /^a key must be a plain value, not a list or a map$/ },
  { name: 'an op argument named constructor', input: () => call('{ A: [[1]], constructor: [[1]] }'), line: 7, field: /^scenario\.calls\[0\]\.args\.constructor$/, message: /^op matmul takes no argument 'constructor' \(it takes A, B\)$/, not: /needs a model config/ },
  { name: 'a __proto__ key', input: () => GOOD.replace('id: t\n', 'id: t\n__proto__: { polluted: true }\n'), line: 2, field: /^__proto__$/, message: /^unknown key '__proto__'$/ },
];

/** Parses one input, timing it and measuring the heap it kept. */
function load(input: string | Buffer): { problems: Problem[]; loaded?: LoadedFixture; ms: number; heapMB: number } {
  const heap = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const r = typeof input === 'string' ? parseFixture(input, FILE) : parseFixtureFile(input, FILE);
  return { ...r, ms: performance.now() - t0, heapMB: (process.memoryUsage().heapUsed - heap) / 2 ** 20 };
}

describe('hostile fixture files', () => {
  it.each(CASES)('$name: a problem with file, line and field, fast and in bounded memory', ({ input, line, field, message, not }) => {
    const data = input();
    const r = load(data);
    expect(r.loaded).toBeUndefined();
    const shown = r.problems.map(formatProblem).join('\n');
    const hit = r.problems.find((p) => p.file === FILE && field.test(p.field) && message.test(p.message));
    expect(hit, shown).toBeDefined();
    expect(hit!.line, shown).toBe(line);
    if (not) expect(shown).not.toMatch(not);
    expect(r.ms, `${r.ms.toFixed(0)} ms`).toBeLessThan(1000);
    expect(r.heapMB, `${r.heapMB.toFixed(0)} MB`).toBeLessThan(100);
  });

  it('reports every alias, and nothing resolves them', () => {
    const r = load(CASES.find((c) => c.name === 'a billion laughs')!.input());
    expect(r.problems.filter((p) => /aliases/.test(p.message))).toHaveLength(24);
    expect(r.problems.filter((p) => /anchors/.test(p.message))).toHaveLength(3);
  });

  it('a file at the limits but within them still loads (or fails its schema) in bounded time', () => {
    // ~2 MB of long strings: under the size and token limits, so parsed in full.
    const text = `${GOOD}readings: [${Array.from({ length: 50_000 }, () => `"${'x'.repeat(36)}"`).join(', ')}]\n`;
    expect(Buffer.byteLength(text)).toBeLessThan(MAX_FIXTURE_BYTES);
    const r = load(text);
    expect(r.problems).toEqual([]);
    expect(r.loaded?.fixture.readings).toHaveLength(50_000);
    expect(r.ms).toBeLessThan(10_000);
    // And just under the token limit.
    const r2 = load(`${GOOD}readings: [${Array.from({ length: Math.floor(MAX_YAML_TOKENS / 3) - 100 }, () => '"a"').join(',')}]\n`);
    expect(r2.problems).toEqual([]);
  });

  it('the limits hold through loadFixtures and the CLI: exit 2, each problem printed, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tconf-hostile-'));
    try {
      const write = (name: string, data: string | Buffer) => writeFileSync(join(dir, name), data);
      write('alias.yaml', CASES[0].input());
      write('deep.yaml', CASES.find((c) => c.name === '20,000 levels of flow lists')!.input());
      write('huge.yaml', CASES.find((c) => c.name === 'a 20 MB file')!.input());
      write('latin1.yaml', CASES.find((c) => c.name === 'a Latin-1 é')!.input());
      write('parens.yaml', CASES.find((c) => c.name === '20,000 nested parentheses in a worksheet line')!.input());
      write('weights.yaml', CASES.find((c) => c.name === 'a weight of the wrong shape')!.input());
      expect(statSync(join(dir, 'huge.yaml')).size).toBeGreaterThan(20 * 2 ** 20);
      const t0 = performance.now();
      const { problems } = loadFixtures(dir);
      expect(performance.now() - t0).toBeLessThan(3000);
      const files = new Set(problems.map((p) => p.file.split('/').at(-1)));
      expect([...files].sort()).toEqual(['alias.yaml', 'deep.yaml', 'huge.yaml', 'latin1.yaml', 'parens.yaml', 'weights.yaml']);
      const cli = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'harness', 'cli', 'main.ts'), 'validate'], {
        cwd: ROOT, env: { ...process.env, TCONF_FIXTURE_DIR: dir, FORCE_COLOR: '0' }, encoding: 'utf8', timeout: 60_000,
      });
      expect(cli.status, cli.stderr).toBe(2);
      expect(cli.stderr).toMatch(/alias\.yaml:7: scenario\.calls\[0\]\.args\.B: YAML aliases \(\*name\) are not allowed in fixtures: write the value out/);
      expect(cli.stderr).toMatch(/deep\.yaml:7: scenario\.calls\[0\]\.args\.A\[0\].*: nested more than 64 levels deep/);
      expect(cli.stderr).toMatch(/huge\.yaml:1: \(top level\): the file is 20\.0 MiB/);
      expect(cli.stderr).toMatch(/latin1\.yaml:11: \(top level\): not valid UTF-8: byte 0xE9/);
      expect(cli.stderr).toMatch(/parens\.yaml:14: claims\[0\]\.worksheet\[0\]\[0\]: expression of 40001 characters/);
      expect(cli.stderr).toMatch(/weights\.yaml:9: scenario\.weights\.blocks\.0\.attn\.W_Q: shape \[2,3\], the model needs \[2,2\]/);
      expect(cli.stderr).not.toMatch(/^\s+at /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the real fixtures', () => {
  it('still load with 0 problems, and as many fixtures and claims as a plain YAML parse finds', () => {
    const { fixtures, problems } = loadFixtures();
    expect(problems.map(formatProblem)).toEqual([]);
    const files = fixtureFiles();
    expect(fixtures).toHaveLength(files.length);
    const claims = files.reduce((n, f) => n + (plainYaml(readFileSync(f, 'utf8')) as { claims: unknown[] }).claims.length, 0);
    expect(fixtures.reduce((n, lf) => n + lf.fixture.claims.length, 0)).toBe(claims);
    // Far from the limits: the largest is a thirtieth of the size limit.
    for (const f of files) expect(statSync(f).size).toBeLessThan(MAX_FIXTURE_BYTES / 30);
  });

  it('have every expected value their claims read', () => {
    expect(goldenProblems(loadFixtures().fixtures).map(formatProblem)).toEqual([]);
  });
});

describe('goldenProblems: what the audit and a run would need from fixtures/golden', () => {
  const fixture = (text: string): LoadedFixture => {
    const r = parseFixture(text, FILE);
    expect(r.problems.map(formatProblem)).toEqual([]);
    return r.loaded!;
  };
  const golden = (values: Golden['values'] = {}, exprs: Golden['exprs'] = {}): Golden => ({ version: 1, fixture: 't', generated_by: 'test', values, exprs });
  const C = { shape: [2, 2], data: [0.5, 0.5, 0.5, 0.5] };

  it('a fixture whose claims read values but has no golden file', () => {
    const ps = goldenProblems([fixture(GOOD)], () => null);
    expect(ps.map(formatProblem)).toEqual(["fixtures/t.yaml:1: id: no expected values for fixture 't' (fixtures/golden/t.json is missing): run `npx tconf golden`"]);
    // The default reads fixtures/golden/<id>.json, which for this id does not exist.
    const lf = fixture(GOOD.replace('id: t', 'id: no-such-fixture-for-a-test'));
    expect(goldenProblems([lf]).map((p) => p.message)).toEqual(["no expected values for fixture 'no-such-fixture-for-a-test' (fixtures/golden/no-such-fixture-for-a-test.json is missing): run `npx tconf golden`"]);
  });

  it('a golden file that lacks what a claim reads: at the claim, naming its field', () => {
    expect(goldenProblems([fixture(GOOD)], () => golden()).map(formatProblem)).toEqual(["fixtures/t.yaml:9: claims[0].path: no expected value for 'p/C' in fixtures/golden/t.json: run `npx tconf golden`"]);
    expect(goldenProblems([fixture(GOOD)], () => golden({ C })).length).toBe(1);
    expect(goldenProblems([fixture(GOOD)], () => golden({ 'p/C': C }))).toEqual([]);
    const expr = fixture(exprClaim('1 / 2').replace(/scenario:\n {2}kind: ops\n {2}calls:\n.*\n/, 'scenario: { kind: none }\n'));
    expect(goldenProblems([expr], () => golden()).map(formatProblem)).toEqual(["fixtures/t.yaml:6: claims[0].expr: no expected value for the expression '1 / 2' in fixtures/golden/t.json: run `npx tconf golden`"]);
    expect(goldenProblems([expr], () => golden({}, { '1 / 2': '0.5' }))).toEqual([]);
  });

  it('a relation reads its operands (expr and path), not itself', () => {
    const rel = fixture(GOOD.replace('kind: value', 'kind: relation').replace(/    path: p\/C\n    printed: .*\n/, '    relation: close\n    within: 0.1\n    of: [{ path: p/C }, { expr: "0.5" }]\n'));
    expect(goldenProblems([rel], () => golden()).map((p) => `${p.line} ${p.field}`)).toEqual(['9 claims[0].of[0].path', '9 claims[0].of[1].expr']);
    expect(goldenProblems([rel], () => golden({ 'p/C': C }, { '0.5': '0.5' }))).toEqual([]);
  });

  it('needs no golden file for claims that read nothing (unverifiable, without a path)', () => {
    const unv = fixture(GOOD.replace(/    kind: value\n/, '    kind: unverifiable\n').replace('    path: p/C\n', '    missing: the seed\n').replace('verdict: ok', 'verdict: unverifiable\n    reason: r'));
    expect(goldenProblems([unv], () => null)).toEqual([]);
    expect(goldenProblems([unv], () => { throw new Error('not read'); })).toEqual([]);
  });

  it('an `at` outside the value, and a printed value shaped unlike it', () => {
    const at = fixture(GOOD.replace('    path: p/C\n', '    path: p/C\n    at: [5]\n').replace('[["0.5", "0.5"], ["0.5", "0.5"]]', '["0.5", "0.5"]'));
    expect(goldenProblems([at], () => golden({ 'p/C': C })).map(formatProblem)).toEqual(['fixtures/t.yaml:9: claims[0].at: index [5] is outside shape [2,2] (the value of \'p/C\')']);
    const flat = fixture(GOOD.replace('[["0.5", "0.5"], ["0.5", "0.5"]]', '["0.5", "0.5", "0.5", "0.5"]'));
    expect(goldenProblems([flat], () => golden({ 'p/C': C })).map(formatProblem)).toEqual(["fixtures/t.yaml:9: claims[0].printed: printed has shape [4] but the expected value of 'p/C' has shape [2,2]"]);
  });

  it('a golden file that cannot be read is a problem of its fixture, with the error naming the file', () => {
    const ps = goldenProblems([fixture(GOOD)], () => { throw new Error('the golden file fixtures/golden/t.json is not valid JSON'); });
    expect(ps.map(formatProblem)).toEqual(['fixtures/t.yaml:1: id: the golden file fixtures/golden/t.json is not valid JSON']);
  });
});

describe('readGolden', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tconf-golden-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('null for a missing file; a clear Error naming the file for an unreadable, invalid or malformed one', async () => {
    mkdirSync(join(dir, 'golden', 'dir.json'), { recursive: true });
    writeFileSync(join(dir, 'golden', 'bad.json'), '{ "values": ');
    writeFileSync(join(dir, 'golden', 'odd.json'), '{ "values": { "p/C": { "shape": [2], "data": [1] } }, "exprs": {} }');
    writeFileSync(join(dir, 'golden', 'list.json'), '[]');
    writeFileSync(join(dir, 'golden', 'ok.json'), JSON.stringify({ version: 1, fixture: 'ok', generated_by: 'x', values: { 'p/C': { shape: [1], data: [1] } }, exprs: { '1': '1' } }));
    const before = process.env.TCONF_FIXTURE_DIR;
    process.env.TCONF_FIXTURE_DIR = dir;
    vi.resetModules();
    try {
      const { readGolden } = await import('./golden.js');
      expect(readGolden('missing')).toBeNull();
      expect(readGolden('ok')?.values['p/C'].data).toEqual([1]);
      expect(() => readGolden('bad')).toThrow(/the golden file \S*golden\/bad\.json is not valid JSON .*delete it and run `npx tconf golden`/);
      expect(() => readGolden('odd')).toThrow(/golden\/odd\.json is not a golden file \(values\['p\/C'\] has 1 numbers for shape \[2\]\)/);
      expect(() => readGolden('list')).toThrow(/golden\/list\.json is not a golden file \(not a JSON object\)/);
      expect(() => readGolden('dir')).toThrow(/cannot read the golden file \S*golden\/dir\.json: EISDIR/);
    } finally {
      if (before === undefined) delete process.env.TCONF_FIXTURE_DIR;
      else process.env.TCONF_FIXTURE_DIR = before;
      vi.resetModules();
    }
  });
});

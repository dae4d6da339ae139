import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatProblem } from './fixture.js';
import { decodeFixture, firstInvalidUtf8, OP_ARG_KINDS, parseFixture, parseFixtureFile } from './load.js';
import { OPS, bare, type OpName } from './scenario.js';

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

function problems(text: string) {
  const r = parseFixture(text, 'fixtures/t.yaml');
  return r.problems.map(formatProblem);
}

describe('loading a fixture', () => {
  it('accepts a well-formed fixture and records the line of each claim', () => {
    const r = parseFixture(GOOD, 'fixtures/t.yaml');
    expect(r.problems).toEqual([]);
    expect(r.loaded?.claimLines.c).toBe(9);
  });

  it.each([
    ['bad YAML', GOOD.replace('title: a small fixture', 'title: [unclosed'), /fixtures\/t\.yaml:[23]: .*YAML/],
    ['a duplicate YAML key', GOOD.replace('document: false', 'document: false\ndocument: true'), /fixtures\/t\.yaml:4: .*YAML: Map keys must be unique/],
    ['an unknown key', GOOD.replace('    verdict: ok', '    verdict: ok\n    colour: red'), /fixtures\/t\.yaml:15: claims\[0\]\.colour: unknown key 'colour'/],
    ['a wrong type', GOOD.replace('document: false', 'document: "no"'), /fixtures\/t\.yaml:3: document: must be boolean/],
    ['a missing required key', GOOD.replace('    quote: "C = A × B"\n', ''), /fixtures\/t\.yaml:9: claims\[0\]: missing required key 'quote'/],
    ['an unknown verdict', GOOD.replace('verdict: ok', 'verdict: maybe'), /fixtures\/t\.yaml:14: claims\[0\]\.verdict: must be equal to one of the allowed values: ok, rounding, erratum, unverifiable, derived/],
    ['a duplicate claim id', GOOD + GOOD.slice(GOOD.indexOf('  - id: c')), /fixtures\/t\.yaml:15: claims\[1\]\.id: duplicate claim id 'c'/],
    ['a bad trace path', GOOD.replace('path: p/C', 'path: p/D'), /fixtures\/t\.yaml:12: claims\[0\]\.path: trace path 'p\/D': op matmul has no output 'D' \(it has C\)/],
    ['a path to a missing call', GOOD.replace('path: p/C', 'path: q/C'), /claims\[0\]\.path: trace path 'q\/C' does not name/],
    ['a NaN', GOOD.replace('[[1, 0], [0, 1]]', '[[1, .nan], [0, 1]]'), /fixtures\/t\.yaml:7: scenario\.calls\[0\]\.args\.A\[0\]\[1\]: not a finite number/],
    ['an unknown op argument', GOOD.replace('B: [[0.5', 'X: [[0.5'), /fixtures\/t\.yaml:7: scenario\.calls\[0\]\.args\.X: op matmul takes no argument 'X'/],
    ['an unknown op', GOOD.replace('op: matmul', 'op: conv2d'), /scenario.*op.*must be equal to one of the allowed values/],
  ])('rejects %s with file, line and field', (_what, text, message) => {
    const ps = problems(text);
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.join('\n')).toMatch(message);
  });

  it('rejects model scenarios with inconsistent shapes, unknown parameters and missing weights', () => {
    const model = (config: string, weights: string) => `id: m
title: m
document: false
scenario:
  kind: model
  config: ${config}
  weights:
${weights}
  examples: [{ tokens: [0, 1], target: 1 }]
  steps: [{ id: f, do: forward }]
claims:
  - { id: c, kind: value, quote: q, path: f/0/probs, printed: ["0.5", "0.5"], verdict: ok }
`;
    const cfg = '{ vocab: 2, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 2, positional: none, attnProjection: false, attnResidual: false, layerNorm: false, outDim: 2, headBias: false }';
    const w = ['embedding.E', 'blocks.0.attn.W_Q', 'blocks.0.attn.W_K', 'blocks.0.attn.W_V', 'head.W_out'].map((n) => `    ${n}: [[1, 0], [0, 1]]`).join('\n');
    expect(problems(model(cfg, w))).toEqual([]);
    expect(problems(model(cfg.replace('heads: 1', 'heads: 3'), w)).join()).toMatch(/scenario\.config: invalid model config: dModel 2 is not divisible by heads 3/);
    expect(problems(model(cfg, `${w}\n    blocks.0.attn.W_X: [[1]]`)).join()).toMatch(/:13: scenario\.weights\.blocks\.0\.attn\.W_X: no parameter 'blocks\.0\.attn\.W_X'/);
    expect(problems(model(cfg, w.split('\n').slice(1).join('\n'))).join()).toMatch(/scenario: weights not given for embedding\.E and no init seed/);
    expect(problems(model(cfg, w).replace('path: f/0/probs', 'path: g/0/probs')).join()).toMatch(/claims\[0\]\.path: trace path 'g\/0\/probs': no step 'g'/);
    expect(problems(model(cfg, w).replace('path: f/0/probs', 'path: f/3/probs')).join()).toMatch(/no example 3 \(the scenario has 1\)/);
  });

  it('never executes anything from a fixture: YAML tags and aliases are data or errors, not code', () => {
    const r = parseFixture(GOOD.replace('title: a small fixture', 'title: !!js/function "function () { process.exit(3) }"'), 'fixtures/t.yaml');
    expect(r.loaded).toBeUndefined();
    expect(r.problems.length).toBeGreaterThan(0);
  });

  it('reads a file\'s bytes as UTF-8, dropping a byte-order mark', () => {
    expect(parseFixtureFile(Buffer.from(GOOD), 'fixtures/t.yaml')).toEqual(parseFixture(GOOD, 'fixtures/t.yaml'));
    const bom = parseFixtureFile(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]), 'fixtures/t.yaml');
    expect(bom.problems).toEqual([]);
    expect(bom.loaded?.fixture.id).toBe('t');
  });

  it('finds the first byte that is not UTF-8 exactly where the decoder refuses', () => {
    const fatal = new TextDecoder('utf-8', { fatal: true });
    const decodes = (b: Uint8Array) => {
      try {
        fatal.decode(b);
        return true;
      } catch {
        return false;
      }
    };
    // Random bytes, and valid text with one byte changed: the scan agrees with the decoder, and the prefix before
    // the byte it names decodes.
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.tuple(fc.string({ unit: 'grapheme', maxLength: 20 }), fc.nat(), fc.integer({ min: 0, max: 255 })).map(([t, i, x]) => {
        const b = Buffer.from(t);
        if (b.length) b[i % b.length] = x;
        return new Uint8Array(b);
      }),
    );
    fc.assert(fc.property(bytes, (b) => {
      const at = firstInvalidUtf8(b);
      expect(at === -1).toBe(decodes(b));
      if (at >= 0) expect(decodes(b.subarray(0, at))).toBe(true);
    }), { seed: 7, numRuns: 2000 });
    expect(decodeFixture(Buffer.from('a\nb\n\xff', 'latin1'), 'f').problems.map(formatProblem)).toEqual(['f:3: (top level): not valid UTF-8: byte 0xFF at line 3, byte 1 of the line (offset 4); a fixture must be UTF-8 text']);
  });

  it('knows what every op argument must be: exactly the inputs of OPS', () => {
    for (const op of Object.keys(OPS) as OpName[]) expect(Object.keys(OP_ARG_KINDS[op]).sort(), op).toEqual(OPS[op].inputs.map(bare).sort());
  });

  it('parses expressions when the fixture loads, within the parser\'s limits', () => {
    const expr = (e: string) => GOOD.replace('    path: p/C\n', `    expr: "${e}"\n`).replace('printed: [["0.5", "0.5"], ["0.5", "0.5"]]', 'printed: "1"');
    expect(problems(expr(`${'('.repeat(150)}1${')'.repeat(150)}`))).toEqual([]);
    expect(problems(expr(`sum(${Array(3000).fill('1').join(', ')})`))).toEqual([]);
    expect(problems(expr(`${'('.repeat(250)}1${')'.repeat(250)}`)).join()).toMatch(/:12: claims\[0\]\.expr: nested more than 200 levels deep/);
    expect(problems(expr('1 +')).join()).toMatch(/:12: claims\[0\]\.expr: unexpected end of expression at column 4 of "1 \+"/);
  });

  it('checks printed values as the audit reads them', () => {
    expect(problems(GOOD.replace('[["0.5", "0.5"], ["0.5", "0.5"]]', '[["0.5", "0.5"], ["0.5"]]')).join()).toMatch(/:13: claims\[0\]\.printed: is ragged: row 1 has 1 value, row 0 has 2/);
    const shape = GOOD.replace('kind: value', 'kind: shape');
    expect(problems(shape.replace('[["0.5", "0.5"], ["0.5", "0.5"]]', '"2×2"'))).toEqual([]);
    expect(problems(shape.replace('[["0.5", "0.5"], ["0.5", "0.5"]]', '"2 by 2"')).join()).toMatch(/claims\[0\]\.printed: printed shape '2 by 2' is not a list of dimensions/);
    expect(problems(shape).join()).toMatch(/claims\[0\]\.printed: a shape claim's printed value is one string/);
  });

  it('accepts what the reference accepts: continuous input, regression targets, a head-less forward, then: calls from the trace', () => {
    const fixture = `id: m
title: m
document: false
scenario:
  kind: model
  config: { vocab: 2, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 3, positional: none, input: continuous, inDim: 1, attnProjection: false, head: regression, outDim: 1, layerNorm: false }
  init: { seed: 1 }
  examples: [{ inputs: [[0.5], [1]], target: [0.25] }, { inputs: [[1], [2], [3]], target: [1] }]
  optimizer: { kind: adam, lr: 0.01 }
  steps: [{ id: t, do: train, clip: 1 }, { id: f, do: forward }]
  then: [{ id: s, op: softmax, args: { x: { from: f/0/blocks.0.attn.scaled, at: [0] } } }]
claims:
  - { id: c, kind: value, quote: q, path: s/y, printed: ["0.5", "0.5"], verdict: ok }
`;
    expect(problems(fixture)).toEqual([]);
    expect(problems(fixture.replace('head: regression', 'head: none').replace(/, target: \[[^\]]*\]/g, '').replace('{ id: t, do: train, clip: 1 }, ', ''))).toEqual([]);
    expect(problems(fixture.replace('head: regression', 'head: none').replace(/, target: \[[^\]]*\]/g, '')).join()).toMatch(/:10: scenario\.steps\[0\]: a model without a head \(head: none\) has no loss to train/);
  });
});

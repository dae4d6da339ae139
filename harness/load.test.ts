import { describe, expect, it } from 'vitest';
import { formatProblem } from './fixture.js';
import { parseFixture } from './load.js';

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
});

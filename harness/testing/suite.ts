// Small fixture sets for the harness's tests, written to a temporary directory, with their golden values.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Golden } from '../fixtures/golden.js';
import { computeGolden } from '../run/freeze.js';
import { referenceImplementation } from '../impls/reference.js';
import { loadFixtures } from '../fixtures/load.js';
import { suiteOf, type Suite } from '../fixtures/suite.js';

const BOOK_MODEL = `  kind: model
  config: { vocab: 4, dModel: 2, heads: 1, dFF: 0, layers: 1, seqLen: 2, positional: none, attnProjection: false, attnResidual: false, layerNorm: false, outDim: 4, headBias: false }
  weights:
    embedding.E: [[1, 0], [0, 1], [1, 1], [0, 0]]
    blocks.0.attn.W_Q: [[0.1, 0.0], [0.0, 0.1]]
    blocks.0.attn.W_K: [[0.1, 0.0], [0.0, 0.1]]
    blocks.0.attn.W_V: [[0.1, 0.0], [0.0, 0.1]]
    head.W_out: [[0.1, 0.0, 0.0, 0.0], [0.0, 0.0, 0.1, 0.0]]
  examples: [{ tokens: [0, 1], target: 2 }]
  optimizer: { kind: sgd, lr: 0.1 }`;

export const TEST_FIXTURES: Record<string, string> = {
  'a-matmul.yaml': `id: a-matmul
title: a product
document: false
tags: [ops]
scenario:
  kind: ops
  calls: [{ id: p, op: matmul, args: { A: [[1, 2], [3, 4]], B: [[0.5, 0.5], [0.5, 0.25]] } }]
claims:
  - { id: product, kind: derived, derived_from: test, quote: "C = A B", path: p/C, verdict: derived }
  - { id: arithmetic, kind: value, quote: "1 + 1 = 2", expr: "1 + 1", printed: "2", verdict: ok }
`,
  'b-forward.yaml': `id: b-forward
title: the book model's forward pass
document: false
tags: [model]
scenario:
${BOOK_MODEL}
  steps: [{ id: f, do: forward }]
claims:
  - { id: probs, kind: derived, derived_from: test, quote: probabilities, path: f/0/probs, verdict: derived }
  - { id: weights, kind: derived, derived_from: test, quote: attention, path: f/0/blocks.0.attn.weights, at: [0, 1], verdict: derived }
`,
  'c-train.yaml': `id: c-train
title: one SGD step
document: false
tags: [model, backward]
scenario:
${BOOK_MODEL}
  steps: [{ id: t, do: train, trainable: [head.W_out] }, { id: after, do: forward }]
claims:
  - { id: grad, kind: derived, derived_from: test, quote: dW_O, path: t/grad.head.W_out, verdict: derived }
  - { id: improved, kind: relation, relation: increased, quote: "P(C) increased", of: [{ path: t/0/probs, at: [2] }, { path: after/0/probs, at: [2] }], verdict: ok }
`,
};

/**
 * Fixtures for per-claim skipping: an ops scenario of three ops with a relation across two of them, and a model
 * scenario with `then:` calls of two ops reading its trace.
 */
export const MIXED_FIXTURES: Record<string, string> = {
  'd-mixed.yaml': `id: d-mixed
title: three ops in one scenario
document: false
tags: [ops]
scenario:
  kind: ops
  calls:
    - { id: p, op: matmul, args: { A: [[1, 2], [3, 4]], B: [[0.5, 0.5], [0.5, 0.25]] } }
    - { id: s, op: softmax, args: { x: [1, 2, 3] } }
    - { id: d, op: dot, args: { a: [1, 2], b: [3, 4] } }
claims:
  - { id: product, kind: derived, derived_from: test, quote: "C = A B", path: p/C, verdict: derived }
  - { id: probs, kind: derived, derived_from: test, quote: "softmax", path: s/y, verdict: derived }
  - { id: dot, kind: derived, derived_from: test, quote: "a · b", path: d/value, verdict: derived }
  - { id: both, kind: relation, relation: increased, quote: "a · b exceeds C[0][0]", of: [{ path: p/C, at: [0, 0] }, { path: d/value }], verdict: ok }
  - { id: arithmetic, kind: value, quote: "2 + 2 = 4", expr: "2 + 2", printed: "4", verdict: ok }
`,
  'e-then.yaml': `id: e-then
title: a forward pass, then a softmax and an outer product of its trace
document: false
tags: [model]
scenario:
${BOOK_MODEL}
  steps: [{ id: f, do: forward }]
  then:
    - { id: sm, op: softmax, args: { x: { from: f/0/logits } } }
    - { id: o, op: outer, args: { a: { from: f/0/probs }, b: [1, 2] } }
claims:
  - { id: probs, kind: derived, derived_from: test, quote: probabilities, path: f/0/probs, verdict: derived }
  - { id: softmax, kind: derived, derived_from: test, quote: "softmax of the logits", path: sm/y, verdict: derived }
  - { id: outer, kind: derived, derived_from: test, quote: "probabilities times [1, 2]", path: o/C, verdict: derived }
`,
};

export interface TestSuite extends Suite {
  dir: string;
}

/** Writes the test fixtures (or the given ones) to a temporary directory and computes their golden values. */
export async function makeTestSuite(files: Record<string, string> = TEST_FIXTURES): Promise<TestSuite> {
  const dir = mkdtempSync(join(tmpdir(), 'tconf-test-'));
  mkdirSync(join(dir, 'fixtures'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'fixtures', name), text);
  const { fixtures, problems } = loadFixtures(join(dir, 'fixtures'));
  if (problems.length) throw new Error(JSON.stringify(problems));
  const goldens = new Map<string, Golden>();
  for (const lf of fixtures) {
    const g = await computeGolden(lf, referenceImplementation);
    if (!g.golden) throw new Error(JSON.stringify(g.problems));
    goldens.set(lf.fixture.id, g.golden);
  }
  const read = (id: string) => ({ golden: goldens.get(id) ?? null, bytes: null });
  return { dir, ...suiteOf(fixtures, read).suite };
}

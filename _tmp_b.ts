import { makeConfig } from './reference/config.js';
import { initParams, paramSpecs } from './reference/params.js';
import { batchGradients } from './reference/training.js';
import { forward } from './reference/model.js';
import { tfjsForward, tfjsLossAndGrads } from './examples/tfjs/model.js';
const rel = (a: Float64Array, b: Float64Array) => { let m = 0, s = 0; for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(a[i])); } return m / Math.max(s, 1e-30); };
for (const causal of [false, true]) {
  const c = makeConfig({ vocab: 12, dModel: 16, heads: 4, dFF: 32, layers: 2, seqLen: 6, outDim: 12, causal });
  const p = initParams(c, 7);
  const exs = [{ tokens: [3, 1, 3, 3, 7, 1], target: 2 }, { tokens: [0, 0, 5, 11, 2, 2], target: 11 }, { tokens: [4, 9, 4, 9, 4, 9], target: 4 }];
  const r = batchGradients(c, p, exs);
  const t = tfjsLossAndGrads(c, p, exs);
  console.log('loss', r.loss, t.loss);
  for (const s of paramSpecs(c)) console.log(s.name, rel(r.grads[s.name], t.grads[s.name]).toExponential(2));
  const f = forward(c, p, exs[0]); const tf1 = tfjsForward(c, p, exs[0]);
  for (const [k, v] of Object.entries(f.trace)) console.log(' tr', k, tf1.trace[k] ? rel(v.data, tf1.trace[k]).toExponential(2) : 'MISSING');
}

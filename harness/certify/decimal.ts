// The certifier: an independent recomputation, in decimal.js at 40 significant digits, of every trace path
// harness/impls/reference.ts produces. Written apart from reference/: nested arrays (Decimal[][]), explicit
// matrix helpers, per-head loops, softmax backward through its Jacobian, layer norm backward through the
// graph x → μ → σ² → x̂ → y, and a reverse pass derived from the math. From reference/ it takes only types,
// the configuration defaults (makeConfig) and the parameter layout (paramSpecs); seeded initial weights are
// an input (initialParams), never re-drawn here.
import { Decimal } from 'decimal.js';
import { makeConfig, type ModelConfig } from '../../reference/config.js';
import { paramSpecs } from '../../reference/params.js';
import type { OptimizerSpec } from '../../reference/training.js';
import type { ExampleSpec, ModelScenario, Nested, OpCall, Scenario, StepSpec } from '../fixtures/scenario.js';

/** Every operation, exp/ln/sqrt/sin/cos/pow included, at 40 significant digits. */
export const Dec = Decimal.clone({ precision: 40 });
export interface DecimalTensor {
  shape: number[];
  data: Decimal[];
}
export type DecimalTrace = Record<string, DecimalTensor>;

type Vec = Decimal[];
type Mat = Decimal[][];

// ───────────────────────────── scalars, vectors, matrices ─────────────────────────────

const dec = (x: number | Decimal): Decimal => new Dec(x);
const ZERO = dec(0);
const ONE = dec(1);

/** The exact value of a float64 (its binary fraction mantissa·2^exponent), to 40 digits. */
export function exactBinary(x: number): Decimal {
  if (!Number.isFinite(x)) throw new Error(`${x} is not a finite number`);
  if (Number.isInteger(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER) return dec(x);
  const bits = new DataView(new Float64Array([x]).buffer).getBigUint64(0, true);
  const sign = bits >> 63n ? -1 : 1;
  const biased = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  const mantissa = biased === 0 ? frac : frac | (1n << 52n);
  return new Dec(mantissa.toString()).times(dec(2).pow(Math.max(biased, 1) - 1075)).times(sign);
}

/** How a given number (a literal of the scenario) becomes a Decimal; set per call of certifyScenario. */
let readGiven: (x: number) => Decimal = dec;
/** A given number as a Decimal. */
const num = (x: number): Decimal => readGiven(x);

/** Σ xs */
const sum = (xs: readonly Decimal[]): Decimal => xs.reduce((s, x) => s.plus(x), ZERO);
/** r×c zeros */
const zeros = (r: number, c: number): Mat => Array.from({ length: r }, () => Array.from({ length: c }, () => ZERO));
/** C_ij = Σ_k A_ik B_kj */
const matmul = (A: Mat, B: Mat): Mat => A.map((row) => B[0].map((_, j) => sum(row.map((a, k) => a.times(B[k][j])))));
/** (Aᵀ)_ij = A_ji */
const transpose = (A: Mat): Mat => A[0].map((_, j) => A.map((row) => row[j]));
/** A + B */
const add = (A: Mat, B: Mat): Mat => A.map((row, i) => row.map((a, j) => a.plus(B[i][j])));
/** s · A */
const scale = (A: Mat, s: Decimal): Mat => A.map((row) => row.map((a) => a.times(s)));
/** A / s */
const divide = (A: Mat, s: Decimal): Mat => A.map((row) => row.map((a) => a.div(s)));
/** A + 1·bᵀ (b added to every row) */
const addRow = (A: Mat, b: Vec): Mat => A.map((row) => row.map((a, j) => a.plus(b[j])));
/** Σ_i A_i (the rows summed: a bias gradient) */
const columnSums = (A: Mat): Vec => A[0].map((_, j) => sum(A.map((row) => row[j])));
/** columns [c0, c0 + w) */
const sliceCols = (A: Mat, c0: number, w: number): Mat => A.map((row) => row.slice(c0, c0 + w));
/** [A₀ | A₁ | …] side by side */
const hconcat = (parts: Mat[]): Mat => parts[0].map((_, i) => parts.flatMap((P) => P[i]));
/** row-major r×c from a flat list */
const reshape = (flat: Vec, r: number, c: number): Mat => Array.from({ length: r }, (_, i) => flat.slice(i * c, (i + 1) * c));
/** a ⊗ b: C_ij = a_i b_j */
const outer = (a: Vec, b: Vec): Mat => a.map((x) => b.map((y) => x.times(y)));

// ───────────────────────────── the operations ─────────────────────────────

/** y_j = exp(x_j − m) / Σ_k exp(x_k − m), m = max of the visible x; hidden entries are exactly 0 */
function softmax(x: Vec, visible: (j: number) => boolean = () => true): Vec {
  const m = Dec.max(...x.filter((_, j) => visible(j)));
  const e = x.map((v, j) => (visible(j) ? v.minus(m).exp() : ZERO));
  const z = sum(e);
  return e.map((v) => v.div(z));
}

/** J_jk = ∂y_j/∂x_k = y_j (δ_jk − y_k) */
const softmaxJacobian = (y: Vec): Mat => y.map((yj, j) => y.map((yk, k) => yj.times((j === k ? ONE : ZERO).minus(yk))));

/** dx_k = Σ_j dy_j J_jk (the vector-Jacobian product) */
const softmaxBack = (y: Vec, dy: Vec): Vec => matmul([dy], softmaxJacobian(y))[0];

/** max(0, z) */
const relu = (Z: Mat): Mat => Z.map((row) => row.map((z) => (z.gt(0) ? z : ZERO)));

/** dz = dy · [z > 0]   (ReLU'(0) = 0) */
const reluBack = (dY: Mat, Z: Mat): Mat => dY.map((row, i) => row.map((g, j) => (Z[i][j].gt(0) ? g : ZERO)));

/** L = −ln softmax(z)_t */
const crossEntropy = (probs: Vec, target: number): Decimal => probs[target].ln().neg();

/** dL/dz = p − onehot(t) */
const crossEntropyBack = (probs: Vec, target: number): Vec => probs.map((p, j) => (j === target ? p.minus(1) : p));

/** L = f · (1/n) Σ (y − t)² */
const mse = (y: Vec, t: Vec, f: Decimal): Decimal => f.times(sum(y.map((v, j) => v.minus(t[j]).pow(2)))).div(y.length);

/** dL/dy = 2f/n · (y − t) */
const mseBack = (y: Vec, t: Vec, f: Decimal): Vec => y.map((v, j) => v.minus(t[j]).times(2).times(f).div(y.length));

interface LayerNormRow {
  x: Vec;
  mu: Decimal;
  sigma: Decimal;
  xhat: Vec;
}

/** μ = mean x;  σ² = mean (x − μ)² (biased);  σ = sqrt(σ² + ε);  x̂ = (x − μ)/σ */
function normalizeRow(x: Vec, eps: Decimal): LayerNormRow {
  const n = x.length;
  const mu = sum(x).div(n);
  const variance = sum(x.map((v) => v.minus(mu).pow(2))).div(n);
  const sigma = variance.plus(eps).sqrt();
  return { x, mu, sigma, xhat: x.map((v) => v.minus(mu).div(sigma)) };
}

/** y = γ ⊙ x̂ + β, row by row */
function layerNorm(X: Mat, gamma: Vec, beta: Vec, eps: Decimal): { y: Mat; rows: LayerNormRow[] } {
  const rows = X.map((x) => normalizeRow(x, eps));
  return { y: rows.map((r) => r.xhat.map((h, j) => gamma[j].times(h).plus(beta[j]))), rows };
}

/**
 * Back through x → μ → σ² → x̂ → y:  dx̂ = dy ⊙ γ;  dσ² = Σ dx̂ (x − μ) · (−½)σ⁻³;
 * dμ = −Σ dx̂ / σ + dσ² · (−2/n) Σ (x − μ);  dx = dx̂/σ + dσ² · 2(x − μ)/n + dμ/n
 */
function layerNormRowBack(dy: Vec, gamma: Vec, r: LayerNormRow): Vec {
  const n = r.x.length;
  const centered = r.x.map((v) => v.minus(r.mu));
  const dxhat = dy.map((g, j) => g.times(gamma[j]));
  const dvar = sum(dxhat.map((g, j) => g.times(centered[j]))).times(-0.5).div(r.sigma.pow(3));
  const dmu = sum(dxhat).neg().div(r.sigma).plus(dvar.times(-2).div(n).times(sum(centered)));
  return dxhat.map((g, j) => g.div(r.sigma).plus(dvar.times(2).times(centered[j]).div(n)).plus(dmu.div(n)));
}

/** dX row by row;  dγ = Σ_rows dy ⊙ x̂;  dβ = Σ_rows dy */
function layerNormBack(dY: Mat, gamma: Vec, rows: LayerNormRow[]): { dX: Mat; dGamma: Vec; dBeta: Vec } {
  return {
    dX: dY.map((dy, i) => layerNormRowBack(dy, gamma, rows[i])),
    dGamma: columnSums(dY.map((dy, i) => dy.map((g, j) => g.times(rows[i].xhat[j])))),
    dBeta: columnSums(dY),
  };
}

interface HeadsTape {
  scores: Mat[];
  scaled: Mat[];
  weights: Mat[];
  context: Mat;
}

/** Per head h (columns [h·dk, (h+1)·dk)): S = Q_h K_hᵀ;  S/√dk;  W = softmax rows (causal: j ≤ i);  C_h = W V_h */
function multiHead(Q: Mat, K: Mat, V: Mat, heads: number, causal: boolean): HeadsTape {
  const dk = Q[0].length / heads;
  const root = dec(dk).sqrt();
  const tape: HeadsTape = { scores: [], scaled: [], weights: [], context: [] };
  const parts: Mat[] = [];
  for (let h = 0; h < heads; h++) {
    const [Qh, Kh, Vh] = [Q, K, V].map((M) => sliceCols(M, h * dk, dk));
    const S = matmul(Qh, transpose(Kh));
    const scaled = divide(S, root);
    const W = scaled.map((row, i) => softmax(row, (j) => !causal || j <= i));
    tape.scores.push(S);
    tape.scaled.push(scaled);
    tape.weights.push(W);
    parts.push(matmul(W, Vh));
  }
  tape.context = hconcat(parts);
  return tape;
}

interface HeadsGrads {
  dQ: Mat;
  dK: Mat;
  dV: Mat;
  dWeights: Mat[];
  dScaled: Mat[];
  dScores: Mat[];
}

/** dW = dC_h V_hᵀ;  dV_h = Wᵀ dC_h;  dScaled = softmax VJP per row;  dS = dScaled/√dk;  dQ_h = dS K_h;  dK_h = dSᵀ Q_h */
function multiHeadBack(dC: Mat, Q: Mat, K: Mat, V: Mat, tape: HeadsTape, heads: number): HeadsGrads {
  const dk = Q[0].length / heads;
  const root = dec(dk).sqrt();
  const g: HeadsGrads = { dQ: [], dK: [], dV: [], dWeights: [], dScaled: [], dScores: [] };
  const [qs, ks, vs]: Mat[][] = [[], [], []];
  for (let h = 0; h < heads; h++) {
    const [Qh, Kh, Vh, dCh] = [Q, K, V, dC].map((M) => sliceCols(M, h * dk, dk));
    const W = tape.weights[h];
    const dW = matmul(dCh, transpose(Vh));
    const dScaled = dW.map((row, i) => softmaxBack(W[i], row));
    const dS = divide(dScaled, root);
    g.dWeights.push(dW);
    g.dScaled.push(dScaled);
    g.dScores.push(dS);
    qs.push(matmul(dS, Kh));
    ks.push(matmul(transpose(dS), Qh));
    vs.push(matmul(transpose(W), dCh));
  }
  return { ...g, dQ: hconcat(qs), dK: hconcat(ks), dV: hconcat(vs) };
}

interface FfnTape {
  hidden: Mat;
  act: Mat;
  out: Mat;
}

/** hidden = X W₁ + b₁;  act = ReLU(hidden);  out = act W₂ + b₂ */
function feedForward(X: Mat, W1: Mat, b1: Vec | null, W2: Mat, b2: Vec | null): FfnTape {
  const z1 = matmul(X, W1);
  const hidden = b1 ? addRow(z1, b1) : z1;
  const act = relu(hidden);
  const z2 = matmul(act, W2);
  return { hidden, act, out: b2 ? addRow(z2, b2) : z2 };
}

/** dact = dout W₂ᵀ;  dW₂ = actᵀ dout;  dhidden = dact ⊙ [hidden > 0];  dW₁ = Xᵀ dhidden;  dX = dhidden W₁ᵀ */
function feedForwardBack(dOut: Mat, X: Mat, W1: Mat, W2: Mat, t: FfnTape) {
  const dAct = matmul(dOut, transpose(W2));
  const dHidden = reluBack(dAct, t.hidden);
  return {
    dAct, dHidden,
    dW2: matmul(transpose(t.act), dOut), db2: columnSums(dOut),
    dW1: matmul(transpose(X), dHidden), db1: columnSums(dHidden),
    dX: matmul(dHidden, transpose(W1)),
  };
}

/** PE[pos, 2i] = sin(pos / 10000^(2i/d)),  PE[pos, 2i+1] = cos(pos / 10000^(2i/d)) */
function sinusoid(T: number, d: number): Mat {
  return Array.from({ length: T }, (_, pos) => Array.from({ length: d }, (_, j) => {
    const i2 = j - (j % 2);
    const angle = dec(pos).div(dec(10000).pow(dec(i2).div(d)));
    return j % 2 === 0 ? angle.sin() : angle.cos();
  }));
}

// ───────────────────────────── given numbers ─────────────────────────────

/** The shape of a nested list (throws on ragged lists and non-finite numbers). */
function nestedShape(x: Nested, where: string): number[] {
  if (typeof x === 'number') {
    if (!Number.isFinite(x)) throw new Error(`${where}: ${x} is not a finite number`);
    return [];
  }
  if (!Array.isArray(x) || x.length === 0) throw new Error(`${where}: expected a number or a non-empty list`);
  const shapes = x.map((e, i) => nestedShape(e, `${where}[${i}]`));
  if (shapes.some((s) => s.join() !== shapes[0].join())) throw new Error(`${where}: ragged list`);
  return [x.length, ...shapes[0]];
}

interface Given {
  shape: number[];
  flat: Vec;
}

/** A nested list as its shape and its numbers as Decimals. */
function given(x: Nested, where: string): Given {
  const shape = nestedShape(x, where);
  const flat = typeof x === 'number' ? [x] : (x.flat(Infinity as 1) as number[]);
  return { shape, flat: flat.map(num) };
}

/** [rows, cols] of a vector (one row) or a matrix */
function rowsCols(shape: number[], where: string): [number, number] {
  if (shape.length === 1) return [1, shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  throw new Error(`${where}: expected a vector or a matrix, got shape [${shape}]`);
}

// ───────────────────────────── the model ─────────────────────────────

/** Parameters as matrices; a vector parameter is a single row. */
type DParams = Record<string, Mat>;

const P = (p: DParams, name: string): Mat => p[name];
const row0 = (p: DParams, name: string): Vec => p[name][0];

function loadParams(s: ModelScenario, c: ModelConfig, initialParams?: Record<string, ArrayLike<number>>): DParams {
  const specs = paramSpecs(c);
  const known = new Set(specs.map((sp) => sp.name));
  for (const name of Object.keys(s.weights ?? {})) if (!known.has(name)) throw new Error(`weights.${name}: the model has no such parameter`);
  const p: DParams = {};
  for (const sp of specs) {
    const [r, cols] = sp.shape.length === 1 ? [1, sp.shape[0]] : [sp.shape[0], sp.shape[1]];
    const w = s.weights?.[sp.name];
    let flat: Vec;
    if (w !== undefined) {
      const g = given(w, `weights.${sp.name}`);
      if (g.flat.length !== r * cols || (g.shape.length > 1 && g.shape.join() !== sp.shape.join())) {
        throw new Error(`weights.${sp.name}: shape [${g.shape}] does not match the parameter's [${sp.shape}]`);
      }
      flat = g.flat;
    } else if (s.init) {
      const init = initialParams?.[sp.name];
      if (!init) throw new Error(`${sp.name}: the scenario draws it from init seed ${s.init.seed}; pass its initial values as initialParams`);
      if (init.length !== r * cols) throw new Error(`initialParams.${sp.name}: ${init.length} values, the parameter has ${r * cols}`);
      flat = Array.from(init, exactBinary); // float64 draws: their exact values
    } else throw new Error(`weights.${sp.name} is not given and the scenario has no init seed`);
    p[sp.name] = reshape(flat, r, cols);
  }
  return p;
}

interface BlockTape {
  x: Mat;
  Q: Mat;
  K: Mat;
  V: Mat;
  heads: HeadsTape;
  attnOut: Mat;
  res1: Mat;
  ln1: LayerNormRow[] | null;
  h1: Mat;
  ffn: FfnTape | null;
  res2: Mat | null;
  ln2: LayerNormRow[] | null;
  out: Mat;
}

interface Pass {
  T: number;
  example: ExampleSpec;
  inputs: Mat | null;
  blocks: BlockTape[];
  final: Vec;
  headOut: Vec | null;
  probs: Vec | null;
  loss: Decimal | null;
  trace: DecimalTrace;
}

const matT = (A: Mat): DecimalTensor => ({ shape: [A.length, A[0].length], data: A.flat() });
const vecT = (v: Vec): DecimalTensor => ({ shape: [v.length], data: v });
const headsT = (Ms: Mat[]): DecimalTensor => ({ shape: [Ms.length, Ms[0].length, Ms[0][0].length], data: Ms.flatMap((M) => M.flat()) });
const scalarT = (x: Decimal): DecimalTensor => ({ shape: [], data: [x] });

function sequenceLength(c: ModelConfig, ex: ExampleSpec): number {
  const T = (c.input === 'tokens' ? ex.tokens : ex.inputs)?.length;
  if (!T) throw new Error(`example needs a non-empty ${c.input === 'tokens' ? 'tokens' : 'inputs'} list`);
  if (T > c.seqLen) throw new Error(`sequence of ${T} positions exceeds seqLen ${c.seqLen}`);
  return T;
}

/** X = E[tokens] (+ PE)  or  X = inputs W_in + b_in (+ PE) */
function inputLayer(c: ModelConfig, p: DParams, ex: ExampleSpec, T: number): { X: Mat; inputs: Mat | null } {
  let X: Mat;
  let inputs: Mat | null = null;
  if (c.input === 'tokens') {
    for (const t of ex.tokens!) if (!Number.isInteger(t) || t < 0 || t >= c.vocab) throw new Error(`token ${t} outside vocab 0..${c.vocab - 1}`);
    X = ex.tokens!.map((t) => P(p, 'embedding.E')[t]);
  } else {
    if (ex.inputs!.some((r) => r.length !== c.inDim)) throw new Error(`inputs must be ${T}×${c.inDim}`);
    inputs = ex.inputs!.map((r) => r.map(num));
    X = addRow(matmul(inputs, P(p, 'input.W_in')), row0(p, 'input.b_in'));
  }
  return { X: c.positional === 'sinusoidal' ? add(X, sinusoid(T, c.dModel)) : X, inputs };
}

/** One post-LN block: res1 = x + attn(x); h1 = LN₁(res1); res2 = h1 + FFN(h1); out = LN₂(res2) — each part switchable */
function block(c: ModelConfig, p: DParams, b: string, x: Mat): BlockTape {
  const Q = matmul(x, P(p, `${b}.attn.W_Q`));
  const K = matmul(x, P(p, `${b}.attn.W_K`));
  const V = matmul(x, P(p, `${b}.attn.W_V`));
  const heads = multiHead(Q, K, V, c.heads, c.causal);
  const attnOut = c.attnProjection ? matmul(heads.context, P(p, `${b}.attn.W_O`)) : heads.context;
  const res1 = c.attnResidual ? add(x, attnOut) : attnOut;
  const eps = num(c.lnEps);
  const n1 = c.layerNorm ? layerNorm(res1, row0(p, `${b}.ln1.gamma`), row0(p, `${b}.ln1.beta`), eps) : null;
  const h1 = n1 ? n1.y : res1;
  if (c.dFF === 0) return { x, Q, K, V, heads, attnOut, res1, ln1: n1?.rows ?? null, h1, ffn: null, res2: null, ln2: null, out: h1 };
  const bias = (name: string) => (c.ffnBias ? row0(p, `${b}.ffn.${name}`) : null);
  const ffn = feedForward(h1, P(p, `${b}.ffn.W_1`), bias('b_1'), P(p, `${b}.ffn.W_2`), bias('b_2'));
  const res2 = c.ffnResidual ? add(h1, ffn.out) : ffn.out;
  const n2 = c.layerNorm ? layerNorm(res2, row0(p, `${b}.ln2.gamma`), row0(p, `${b}.ln2.beta`), eps) : null;
  return { x, Q, K, V, heads, attnOut, res1, ln1: n1?.rows ?? null, h1, ffn, res2, ln2: n2?.rows ?? null, out: n2 ? n2.y : res2 };
}

/** The names the forward pass of one block records. */
function traceBlock(c: ModelConfig, b: string, k: BlockTape, tr: DecimalTrace): void {
  for (const [name, M] of [['Q', k.Q], ['K', k.K], ['V', k.V]] as const) tr[`${b}.attn.${name}`] = matT(M);
  tr[`${b}.attn.scores`] = headsT(k.heads.scores);
  tr[`${b}.attn.scaled`] = headsT(k.heads.scaled);
  tr[`${b}.attn.weights`] = headsT(k.heads.weights);
  tr[`${b}.attn.context`] = matT(k.heads.context);
  tr[`${b}.attn.out`] = matT(k.attnOut);
  if (c.attnResidual) tr[`${b}.res1`] = matT(k.res1);
  if (c.layerNorm) tr[`${b}.ln1`] = matT(k.h1);
  if (k.ffn) {
    tr[`${b}.ffn.hidden`] = matT(k.ffn.hidden);
    tr[`${b}.ffn.act`] = matT(k.ffn.act);
    tr[`${b}.ffn.out`] = matT(k.ffn.out);
    if (c.ffnResidual) tr[`${b}.res2`] = matT(k.res2!);
    if (c.layerNorm) tr[`${b}.ln2`] = matT(k.out);
  }
  tr[`${b}.out`] = matT(k.out);
}

/** A class index the classification loss can use (else the example has no loss). */
const classTarget = (c: ModelConfig, t: ExampleSpec['target']): t is number =>
  typeof t === 'number' && Number.isInteger(t) && t >= 0 && t < c.outDim;
/** A regression target the MSE can use (else the example has no loss). */
const regressionTarget = (c: ModelConfig, t: ExampleSpec['target']): t is number[] => Array.isArray(t) && t.length >= c.outDim;

/** Forward pass of one example: blocks, final row, head, loss and the named trace. */
function forwardPass(c: ModelConfig, p: DParams, ex: ExampleSpec): Pass {
  const T = sequenceLength(c, ex);
  const { X, inputs } = inputLayer(c, p, ex, T);
  const trace: DecimalTrace = { X: matT(X) };
  const blocks: BlockTape[] = [];
  let x = X;
  for (let l = 0; l < c.layers; l++) {
    const k = block(c, p, `blocks.${l}`, x);
    traceBlock(c, `blocks.${l}`, k, trace);
    blocks.push(k);
    x = k.out;
  }
  const final = x[T - 1];
  trace['final_repr'] = vecT(final);
  const pass: Pass = { T, example: ex, inputs, blocks, final, headOut: null, probs: null, loss: null, trace };
  if (c.head === 'none') return pass;
  const z = matmul([final], P(p, 'head.W_out'))[0];
  pass.headOut = c.headBias ? z.map((v, j) => v.plus(row0(p, 'head.b_out')[j])) : z;
  if (c.head === 'classification') {
    pass.probs = softmax(pass.headOut);
    trace['logits'] = vecT(pass.headOut);
    trace['probs'] = vecT(pass.probs);
    if (classTarget(c, ex.target)) pass.loss = crossEntropy(pass.probs, ex.target);
  } else {
    trace['prediction'] = vecT(pass.headOut);
    if (regressionTarget(c, ex.target)) pass.loss = mse(pass.headOut, ex.target.slice(0, c.outDim).map(num), num(c.mseFactor));
  }
  if (pass.loss) trace['loss'] = scalarT(pass.loss);
  return pass;
}

/** Gradient accumulator over the parameters: zeros, then += per use. */
class GradSink {
  readonly g: DParams = {};
  constructor(c: ModelConfig) {
    for (const sp of paramSpecs(c)) this.g[sp.name] = sp.shape.length === 1 ? zeros(1, sp.shape[0]) : zeros(sp.shape[0], sp.shape[1]);
  }
  /** g[name] += G */
  add(name: string, G: Mat): void {
    this.g[name] = add(this.g[name], G);
  }
}

/** Reverse through one block: dOut → d(block input); parameter gradients into the sink, intermediate ones into gt. */
function blockBack(c: ModelConfig, p: DParams, b: string, k: BlockTape, dOut: Mat, sink: GradSink, gt: DecimalTrace): Mat {
  gt[`grad.${b}.out`] = matT(dOut);
  if (k.ln2) gt[`grad.${b}.ln2`] = matT(dOut); // the block's output is LN₂'s output
  let dh1 = dOut;
  if (k.ffn) {
    let dres2 = dOut;
    if (k.ln2) {
      const n2 = layerNormBack(dOut, row0(p, `${b}.ln2.gamma`), k.ln2);
      sink.add(`${b}.ln2.gamma`, [n2.dGamma]);
      sink.add(`${b}.ln2.beta`, [n2.dBeta]);
      dres2 = n2.dX;
    }
    if (c.ffnResidual) gt[`grad.${b}.res2`] = matT(dres2); // the residual sum exists only with the skip
    const f = feedForwardBack(dres2, k.h1, P(p, `${b}.ffn.W_1`), P(p, `${b}.ffn.W_2`), k.ffn);
    sink.add(`${b}.ffn.W_1`, f.dW1);
    sink.add(`${b}.ffn.W_2`, f.dW2);
    if (c.ffnBias) {
      sink.add(`${b}.ffn.b_1`, [f.db1]);
      sink.add(`${b}.ffn.b_2`, [f.db2]);
    }
    dh1 = c.ffnResidual ? add(dres2, f.dX) : f.dX; // h1 feeds both the FFN and the skip
    gt[`grad.${b}.ffn.out`] = matT(dres2);
    gt[`grad.${b}.ffn.act`] = matT(f.dAct);
    gt[`grad.${b}.ffn.hidden`] = matT(f.dHidden);
  }
  if (k.ln1) gt[`grad.${b}.ln1`] = matT(dh1);
  let dres1 = dh1;
  if (k.ln1) {
    const n1 = layerNormBack(dh1, row0(p, `${b}.ln1.gamma`), k.ln1);
    sink.add(`${b}.ln1.gamma`, [n1.dGamma]);
    sink.add(`${b}.ln1.beta`, [n1.dBeta]);
    dres1 = n1.dX;
  }
  if (c.attnResidual) gt[`grad.${b}.res1`] = matT(dres1);
  return attentionBack(c, p, b, k, dres1, sink, gt);
}

/** out = context W_O; context from the heads; Q = x W_Q, K = x W_K, V = x W_V: dx sums the three paths (+ the skip) */
function attentionBack(c: ModelConfig, p: DParams, b: string, k: BlockTape, dAttn: Mat, sink: GradSink, gt: DecimalTrace): Mat {
  let dContext = dAttn;
  if (c.attnProjection) {
    sink.add(`${b}.attn.W_O`, matmul(transpose(k.heads.context), dAttn));
    dContext = matmul(dAttn, transpose(P(p, `${b}.attn.W_O`)));
  }
  const h = multiHeadBack(dContext, k.Q, k.K, k.V, k.heads, c.heads);
  const xT = transpose(k.x);
  let dx = c.attnResidual ? dAttn : zeros(k.x.length, c.dModel);
  for (const [name, dM] of [['Q', h.dQ], ['K', h.dK], ['V', h.dV]] as const) {
    sink.add(`${b}.attn.W_${name}`, matmul(xT, dM));
    dx = add(dx, matmul(dM, transpose(P(p, `${b}.attn.W_${name}`))));
  }
  Object.assign(gt, {
    [`grad.${b}.attn.out`]: matT(dAttn),
    [`grad.${b}.attn.weights`]: headsT(h.dWeights),
    [`grad.${b}.attn.scaled`]: headsT(h.dScaled),
    [`grad.${b}.attn.scores`]: headsT(h.dScores),
    [`grad.${b}.attn.Q`]: matT(h.dQ),
    [`grad.${b}.attn.K`]: matT(h.dK),
    [`grad.${b}.attn.V`]: matT(h.dV),
    [`grad.${b}.attn.context`]: matT(dContext),
  });
  return dx;
}

function checkTrainable(c: ModelConfig, ex: ExampleSpec): void {
  if (c.head === 'none') throw new Error('a model without a head has no loss to differentiate');
  if (c.head === 'classification' ? !classTarget(c, ex.target) : !(Array.isArray(ex.target) && ex.target.length === c.outDim)) {
    throw new Error(`example target does not fit the ${c.head} head`);
  }
}

/** dL_i/d(everything) of one example's own loss: parameter gradients and the 'grad.' trace. */
function backwardPass(c: ModelConfig, p: DParams, f: Pass): { grads: DParams; trace: DecimalTrace } {
  checkTrainable(c, f.example);
  const sink = new GradSink(c);
  const gt: DecimalTrace = {};
  const dHead = c.head === 'classification'
    ? crossEntropyBack(f.probs!, f.example.target as number)
    : mseBack(f.headOut!, (f.example.target as number[]).map(num), num(c.mseFactor));
  sink.add('head.W_out', outer(f.final, dHead)); // dW_out = finalᵀ dz
  if (c.headBias) sink.add('head.b_out', [dHead]);
  const dFinal = matmul([dHead], transpose(P(p, 'head.W_out')))[0];
  gt[c.head === 'classification' ? 'grad.logits' : 'grad.prediction'] = vecT(dHead);
  gt['grad.final_repr'] = vecT(dFinal);
  // only the last position reaches the head
  let d = zeros(f.T, c.dModel).map((r, i) => (i === f.T - 1 ? dFinal : r));
  for (let l = c.layers - 1; l >= 0; l--) d = blockBack(c, p, `blocks.${l}`, f.blocks[l], d, sink, gt);
  gt['grad.X'] = matT(d);
  if (c.input === 'tokens') {
    f.example.tokens!.forEach((tok, pos) => sink.add('embedding.E', zeros(c.vocab, c.dModel).map((r, v) => (v === tok ? d[pos] : r))));
  } else {
    sink.add('input.W_in', matmul(transpose(f.inputs!), d));
    sink.add('input.b_in', [columnSums(d)]);
  }
  for (const sp of paramSpecs(c)) gt[`grad.${sp.name}`] = { shape: sp.shape, data: sink.g[sp.name].flat() };
  return { grads: sink.g, trace: gt };
}

// ───────────────────────────── optimizers ─────────────────────────────

/** Adam's defaults of the conventions (#16); lr 0.001 unless the scenario sets it. */
const ADAM_DEFAULT = { lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

type Kind = OptimizerSpec['kind'];

/** The optimizer state carried across a scenario's train steps; hyper-parameters as decimals. */
class OptState {
  t = 0;
  readonly m: DParams = {};
  readonly v: DParams = {};
  readonly velocity: DParams = {};
  constructor(readonly kind: Kind, readonly h: Record<string, Decimal>) {}

  static of(spec: OptimizerSpec): OptState {
    if (spec.kind === 'sgd') return new OptState('sgd', { lr: num(spec.lr) });
    if (spec.kind === 'momentum') return new OptState('momentum', { lr: num(spec.lr), beta: num(spec.beta) });
    const pick = (k: keyof typeof ADAM_DEFAULT) => num(spec[k] ?? ADAM_DEFAULT[k]);
    return new OptState('adam', { lr: pick('lr'), beta1: pick('beta1'), beta2: pick('beta2'), eps: pick('eps') });
  }

  step(p: DParams, g: DParams, names: string[]): void {
    if (this.kind === 'adam') return this.adam(p, g, names);
    for (const n of names) {
      if (this.kind === 'sgd') p[n] = add(p[n], scale(g[n], this.h.lr.neg())); // W ← W − lr·g
      else this.heavyBall(p, g, n);
    }
  }

  /** v ← β·v + g;  W ← W − lr·v */
  private heavyBall(p: DParams, g: DParams, n: string): void {
    const v = add(scale(this.velocity[n] ?? g[n].map((r) => r.map(() => ZERO)), this.h.beta), g[n]);
    this.velocity[n] = v;
    p[n] = add(p[n], scale(v, this.h.lr.neg()));
  }

  /** t ← t+1;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  W ← W − lr·(m/(1−β₁ᵗ)) / (sqrt(v/(1−β₂ᵗ)) + ε) */
  private adam(p: DParams, g: DParams, names: string[]): void {
    const { lr, beta1: b1, beta2: b2, eps } = this.h;
    this.t += 1;
    const c1 = ONE.minus(b1.pow(this.t));
    const c2 = ONE.minus(b2.pow(this.t));
    for (const n of names) {
      const m0 = this.m[n] ?? g[n].map((r) => r.map(() => ZERO));
      const v0 = this.v[n] ?? g[n].map((r) => r.map(() => ZERO));
      const m = m0.map((r, i) => r.map((x, j) => b1.times(x).plus(ONE.minus(b1).times(g[n][i][j]))));
      const v = v0.map((r, i) => r.map((x, j) => b2.times(x).plus(ONE.minus(b2).times(g[n][i][j].pow(2)))));
      this.m[n] = m;
      this.v[n] = v;
      p[n] = p[n].map((r, i) => r.map((w, j) => w.minus(lr.times(m[i][j].div(c1)).div(v[i][j].div(c2).sqrt().plus(eps)))));
    }
  }
}

/** ‖g‖ = sqrt(Σ over the named tensors of g²) */
const globalNorm = (g: DParams, names: string[]): Decimal => sum(names.flatMap((n) => g[n].flat().map((x) => x.pow(2)))).sqrt();

// ───────────────────────────── scenarios ─────────────────────────────

function paramT(shape: number[], M: Mat): DecimalTensor {
  return { shape, data: M.flat() };
}

function forwardStep(c: ModelConfig, p: DParams, s: ModelScenario, id: string, out: DecimalTrace): void {
  const passes = s.examples.map((ex) => forwardPass(c, p, ex));
  passes.forEach((f, i) => {
    for (const [k, v] of Object.entries(f.trace)) out[`${id}/${i}/${k}`] = v;
  });
  if (passes.every((f) => f.loss)) out[`${id}/loss`] = scalarT(sum(passes.map((f) => f.loss!)).div(passes.length));
  for (const sp of paramSpecs(c)) out[`${id}/param.${sp.name}`] = paramT(sp.shape, p[sp.name]);
}

/** forward → mean loss → per-example backward → mean gradient → (clip) → optimizer, params updated in place */
function trainStep(c: ModelConfig, p: DParams, s: ModelScenario, step: Extract<StepSpec, { do: 'train' }>, opt: OptState, out: DecimalTrace): void {
  const specs = paramSpecs(c);
  const names = step.trainable ?? specs.map((sp) => sp.name);
  for (const n of names) if (!(n in p)) throw new Error(`unknown parameter ${n}`);
  const N = s.examples.length;
  const mean = new GradSink(c);
  let loss = ZERO;
  s.examples.forEach((ex, i) => {
    const f = forwardPass(c, p, ex);
    const b = backwardPass(c, p, f);
    for (const [k, v] of Object.entries({ ...f.trace, ...b.trace })) out[`${step.id}/${i}/${k}`] = v;
    for (const sp of specs) mean.add(sp.name, divide(b.grads[sp.name], dec(N))); // ∇(1/N Σ L_i) = 1/N Σ ∇L_i
    loss = loss.plus(f.loss!);
  });
  const g = mean.g;
  const norm = globalNorm(g, names);
  if (step.clip !== undefined && norm.gt(num(step.clip))) {
    for (const n of names) g[n] = scale(g[n], num(step.clip).div(norm)); // g ← g·max/‖g‖
  }
  opt.step(p, g, names);
  out[`${step.id}/loss`] = scalarT(loss.div(N));
  out[`${step.id}/grad_norm`] = scalarT(norm);
  for (const sp of specs) {
    out[`${step.id}/grad.${sp.name}`] = paramT(sp.shape, g[sp.name]);
    out[`${step.id}/param.${sp.name}`] = paramT(sp.shape, p[sp.name]);
  }
  const shapeOf = (n: string) => specs.find((sp) => sp.name === n)!.shape;
  for (const [n, M] of Object.entries(opt.m)) out[`${step.id}/adam.m.${n}`] = paramT(shapeOf(n), M);
  for (const [n, M] of Object.entries(opt.v)) out[`${step.id}/adam.v.${n}`] = paramT(shapeOf(n), M);
  for (const [n, M] of Object.entries(opt.velocity)) out[`${step.id}/momentum.v.${n}`] = paramT(shapeOf(n), M);
}

function certifyModel(s: ModelScenario, initialParams?: Record<string, ArrayLike<number>>): DecimalTrace {
  const c = makeConfig(s.config);
  const p = loadParams(s, c, initialParams);
  const out: DecimalTrace = {};
  const opt = OptState.of(s.optimizer ?? { kind: 'sgd', lr: 0.1 });
  for (const step of s.steps) {
    if (step.do === 'forward') forwardStep(c, p, s, step.id, out);
    else trainStep(c, p, s, step, opt, out);
  }
  return out;
}

// ───────────────────────────── single operations ─────────────────────────────

/** An op's arguments: the scenario's given numbers, or values resolved (as decimals) from this certifier's own trace. */
interface OpArgs {
  id: string;
  raw: OpCall['args'];
  resolved: Record<string, Given>;
}

const has = (a: OpArgs, name: string): boolean => a.resolved[name] !== undefined || a.raw[name] !== undefined;

function arg(a: OpArgs, name: string): Given {
  if (a.resolved[name]) return a.resolved[name];
  const v = a.raw[name];
  if (v === undefined || typeof v === 'boolean' || (typeof v === 'object' && !Array.isArray(v))) throw new Error(`${a.id}.${name}: expected numbers`);
  return given(v, `${a.id}.${name}`);
}

/** A scalar argument at full precision. */
function decArg(a: OpArgs, name: string): Decimal {
  const g = a.resolved[name];
  if (g) {
    if (g.flat.length !== 1) throw new Error(`${a.id}.${name}: expected one number, got ${g.flat.length}`);
    return g.flat[0];
  }
  const v = a.raw[name];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${a.id}.${name}: expected a finite number`);
  return num(v);
}

/** A count or an index (heads, vocab, steps, target). */
const intArg = (a: OpArgs, name: string): number => decArg(a, name).toNumber();

/** A given vector/matrix as a Mat with its shape. */
function matArg(a: OpArgs, name: string): { M: Mat; shape: number[] } {
  const g = arg(a, name);
  const [r, c] = rowsCols(g.shape, `${a.id}.${name}`);
  return { M: reshape(g.flat, r, c), shape: g.shape };
}

const sameLength = (a: Vec, b: Vec, where: string): void => {
  if (a.length !== b.length) throw new Error(`${where}: lengths ${a.length} and ${b.length} differ`);
};

/** C = A B */
function opMatmul(a: OpArgs): DecimalTrace {
  const A = matArg(a, 'A').M;
  const B = matArg(a, 'B').M;
  if (A[0].length !== B.length) throw new Error(`${a.id}: A is ${A.length}×${A[0].length} but B is ${B.length}×${B[0].length}`);
  return { C: matT(matmul(A, B)) };
}

/** y = M x */
function opMatvec(a: OpArgs): DecimalTrace {
  const M = matArg(a, 'M').M;
  const x = arg(a, 'x').flat;
  sameLength(M[0], x, a.id);
  return { y: vecT(matmul(M, x.map((v) => [v])).map((r) => r[0])) };
}

/** Σ a_i b_i */
function opDot(a: OpArgs): DecimalTrace {
  const [x, y] = [arg(a, 'a').flat, arg(a, 'b').flat];
  sameLength(x, y, a.id);
  return { value: scalarT(sum(x.map((v, i) => v.times(y[i])))) };
}

/** a − b (shaped like a) */
function opSubtract(a: OpArgs): DecimalTrace {
  const x = arg(a, 'a');
  const y = arg(a, 'b').flat;
  sameLength(x.flat, y, a.id);
  return { value: { shape: x.shape, data: x.flat.map((v, i) => v.minus(y[i])) } };
}

/** The worksheet's steps per row: m = max x;  s = x − m;  e = exp(s);  Σ e;  y = e / Σ e;  dx = Jᵀ upstream */
function opSoftmax(a: OpArgs): DecimalTrace {
  const { M: X, shape } = matArg(a, 'x');
  const max = X.map((r) => Dec.max(...r));
  const shifted = X.map((r, i) => r.map((v) => v.minus(max[i])));
  const exps = shifted.map((r) => r.map((v) => v.exp()));
  const sums = exps.map(sum);
  const Y = X.map((r) => softmax(r));
  const perRow = (v: Vec): DecimalTensor => (shape.length === 1 ? scalarT(v[0]) : vecT(v));
  const out: DecimalTrace = {
    max: perRow(max), shifted: { shape, data: shifted.flat() }, exps: { shape, data: exps.flat() }, sum: perRow(sums), y: { shape, data: Y.flat() },
  };
  if (has(a, 'upstream')) {
    const U = reshape(arg(a, 'upstream').flat, X.length, X[0].length);
    out.dx = { shape, data: Y.flatMap((y, i) => softmaxBack(y, U[i])) };
  }
  return out;
}

/** y = max(0, z);  dz = upstream · [z > 0] */
function opRelu(a: OpArgs): DecimalTrace {
  const z = arg(a, 'z');
  const out: DecimalTrace = { y: { shape: z.shape, data: relu([z.flat])[0] } };
  if (has(a, 'upstream')) {
    const u = arg(a, 'upstream').flat;
    sameLength(z.flat, u, a.id);
    out.dz = { shape: z.shape, data: reluBack([u], [z.flat])[0] };
  }
  return out;
}

/** p = softmax(z), L = −ln p_t, dz = p − onehot(t)  (or dz alone from given p) */
function opCrossEntropy(a: OpArgs, withLoss: boolean): DecimalTrace {
  const target = intArg(a, 'target');
  const x = arg(a, withLoss ? 'logits' : 'probs').flat;
  if (!Number.isInteger(target) || target < 0 || target >= x.length) throw new Error(`${a.id}.target: not a class index 0..${x.length - 1}`);
  const probs = withLoss ? softmax(x) : x;
  const dlogits = vecT(crossEntropyBack(probs, target));
  return withLoss ? { probs: vecT(probs), loss: scalarT(crossEntropy(probs, target)), dlogits } : { dlogits };
}

/** L = f·mean((y − t)²);  dy = 2f/n·(y − t) */
function opMse(a: OpArgs): DecimalTrace {
  const y = arg(a, 'y');
  const t = arg(a, 't').flat;
  sameLength(y.flat, t, a.id);
  const f = decArg(a, 'factor');
  return { loss: scalarT(mse(y.flat, t, f)), dy: { shape: y.shape, data: mseBack(y.flat, t, f) } };
}

/** y = γ ⊙ x̂ + β per row; with upstream dx, dγ, dβ */
function opLayerNorm(a: OpArgs): DecimalTrace {
  const { M: X, shape } = matArg(a, 'x');
  const gamma = arg(a, 'gamma').flat;
  const ln = layerNorm(X, gamma, arg(a, 'beta').flat, decArg(a, 'eps'));
  const out: DecimalTrace = { y: { shape, data: ln.y.flat() } };
  if (has(a, 'upstream')) {
    const b = layerNormBack(reshape(arg(a, 'upstream').flat, X.length, X[0].length), gamma, ln.rows);
    Object.assign(out, { dx: { shape, data: b.dX.flat() }, dgamma: vecT(b.dGamma), dbeta: vecT(b.dBeta) });
  }
  return out;
}

/** Multi-head attention on given Q, K, V; with upstream dQ, dK, dV */
function opAttention(a: OpArgs): DecimalTrace {
  const Q = matArg(a, 'Q').M;
  const [T, d] = [Q.length, Q[0].length];
  const K = reshape(arg(a, 'K').flat, T, d);
  const V = reshape(arg(a, 'V').flat, T, d);
  const heads = intArg(a, 'heads');
  if (!Number.isInteger(heads) || heads < 1 || d % heads !== 0) throw new Error(`${a.id}.heads: ${heads} does not divide d = ${d}`);
  const tape = multiHead(Q, K, V, heads, a.raw.causal === true);
  const out: DecimalTrace = { scores: headsT(tape.scores), scaled: headsT(tape.scaled), weights: headsT(tape.weights), context: matT(tape.context) };
  if (has(a, 'upstream')) {
    const g = multiHeadBack(reshape(arg(a, 'upstream').flat, T, d), Q, K, V, tape, heads);
    Object.assign(out, { dQ: matT(g.dQ), dK: matT(g.dK), dV: matT(g.dV) });
  }
  return out;
}

/** dE[token_pos] += dX[pos] */
function opEmbeddingBackward(a: OpArgs): DecimalTrace {
  const tokens = arg(a, 'tokens').flat.map((t) => t.toNumber());
  const dX = matArg(a, 'dX').M;
  const vocab = intArg(a, 'vocab');
  if (tokens.length !== dX.length) throw new Error(`${a.id}: ${tokens.length} tokens but ${dX.length} rows of dX`);
  if (tokens.some((t) => !Number.isInteger(t) || t < 0 || t >= vocab)) throw new Error(`${a.id}.tokens: outside vocab 0..${vocab - 1}`);
  const dE = zeros(vocab, dX[0].length).map((r, v) => tokens.reduce((acc, t, pos) => (t === v ? acc.map((x, j) => x.plus(dX[pos][j])) : acc), r));
  return { dE: matT(dE) };
}

/** hidden = x W₁ + b₁, act = ReLU, output = act W₂ + b₂, L = f·mean((output − t)²), and every gradient */
function opMlpMse(a: OpArgs): DecimalTrace {
  const X = matArg(a, 'x').M;
  const W1 = matArg(a, 'W_1').M;
  const W2 = matArg(a, 'W_2').M;
  const b1 = arg(a, 'b_1').flat;
  const b2 = arg(a, 'b_2').flat;
  if (W1.length !== X[0].length || W2.length !== W1[0].length || b1.length !== W1[0].length || b2.length !== W2[0].length) {
    throw new Error(`${a.id}: the shapes of x, W_1, b_1, W_2, b_2 do not chain`);
  }
  const f = feedForward(X, W1, b1, W2, b2);
  const target = arg(a, 'target').flat;
  const flatOut = f.out.flat();
  sameLength(flatOut, target, `${a.id}.target`);
  const factor = decArg(a, 'factor');
  const dOut = reshape(mseBack(flatOut, target, factor), X.length, W2[0].length);
  const g = feedForwardBack(dOut, X, W1, W2, f);
  return {
    hidden: matT(f.hidden), act: matT(f.act), output: matT(f.out), loss: scalarT(mse(flatOut, target, factor)), doutput: matT(dOut),
    dW_2: matT(g.dW2), db_2: vecT(g.db2), dact: matT(g.dAct), dhidden: matT(g.dHidden), dW_1: matT(g.dW1), db_1: vecT(g.db1),
  };
}

/** The weights after each of the steps the stacked gradients describe. */
function opOptimizer(a: OpArgs, kind: 'sgd' | 'momentum' | 'adam'): DecimalTrace {
  const w = arg(a, 'w').flat;
  const grads = arg(a, 'grads').flat;
  const n = w.length;
  if (grads.length % n !== 0) throw new Error(`${a.id}.grads: ${grads.length} values do not split into steps of ${n}`);
  const hyper = (names: string[]) => Object.fromEntries(names.map((k) => [k, decArg(a, k)]));
  const opt = new OptState(kind, hyper(kind === 'sgd' ? ['lr'] : kind === 'momentum' ? ['lr', 'beta'] : ['lr', 'beta1', 'beta2', 'eps']));
  const p: DParams = { w: [w] };
  const rows: Vec[] = [];
  for (let s = 0; s < grads.length / n; s++) {
    opt.step(p, { w: [grads.slice(s * n, (s + 1) * n)] }, ['w']);
    rows.push(p.w[0]);
  }
  return { trajectory: matT(rows) };
}

/** w ← w − lr·(w − center)   (gradient of ½(w − center)²) */
function opGdQuadratic(a: OpArgs): DecimalTrace {
  const center = decArg(a, 'center');
  const lr = decArg(a, 'lr');
  const steps = intArg(a, 'steps');
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`${a.id}.steps: expected a positive integer`);
  let w = decArg(a, 'w');
  const rows: Vec[] = [];
  for (let s = 0; s < steps; s++) rows.push([(w = w.minus(lr.times(w.minus(center))))]);
  return { trajectory: matT(rows) };
}

/** ‖g‖;  g·max/‖g‖ if ‖g‖ > max */
function opClip(a: OpArgs): DecimalTrace {
  const g = arg(a, 'g');
  const max = decArg(a, 'max_norm');
  const norm = globalNorm({ g: [g.flat] }, ['g']);
  const clipped = norm.gt(max) ? g.flat.map((x) => x.times(max).div(norm)) : g.flat;
  return { norm: scalarT(norm), clipped: { shape: g.shape, data: clipped } };
}

/** (L(w+ε) − L(w−ε)) / 2ε */
const opCentralDifference = (a: OpArgs): DecimalTrace =>
  ({ gradient: scalarT(decArg(a, 'loss_plus').minus(decArg(a, 'loss_minus')).div(decArg(a, 'eps').times(2))) });

/**
 * Costs by formula, counted per multiply-add (2 FLOPs) of every product the model's layers compute: per block
 * the T×d·d×d projections, per head Q Kᵀ [T×dk·dk×T] and weights·V [T×T·T×dk], the two FFN layers; the
 * head on the last position. Backward: two products per forward product, less the input's dX. Activations:
 * the buffers a forward keeps (X; per block Q, K, V, context, W_O output, raw/scaled/softmaxed scores, the
 * residual sums, LayerNorm outputs with their row means and 1/std, FFN hidden, ReLU and output; the
 * last row, the head's output and the probabilities).
 */
function opModelCost(c: ModelConfig, a: OpArgs): DecimalTrace {
  const { seqLen: T, dModel: d, heads: h, dFF: f } = c;
  const dk = d / h;
  const mm = (m: number, k: number, n: number) => 2 * m * k * n;
  const block = (c.attnProjection ? 4 : 3) * mm(T, d, d) + h * (mm(T, dk, T) + mm(T, T, dk)) + (f > 0 ? mm(T, d, f) + mm(T, f, d) : 0);
  const inputFlops = c.input === 'continuous' ? mm(T, c.inDim, d) : 0;
  const headFlops = c.head === 'none' ? 0 : mm(1, d, c.outDim);
  const fwd = c.layers * block + inputFlops + headFlops;
  const bwd = 2 * c.layers * block + inputFlops + 2 * headFlops;
  const ln = c.layerNorm ? T * d + 2 * T : 0;
  const perBlock =
    4 * T * d + (c.attnProjection ? T * d : 0) + 3 * h * T * T + (c.attnResidual ? T * d : 0) + ln +
    (f > 0 ? 2 * T * f + T * d + (c.ffnResidual ? T * d : 0) + ln : 0);
  const input = c.input === 'continuous' ? T * c.inDim : 0;
  const head = c.head === 'none' ? 0 : c.outDim * (c.head === 'classification' ? 2 : 1);
  const activations = input + T * d + c.layers * perBlock + d + head;
  const perNumber = has(a, 'bytes_per_number') ? decArg(a, 'bytes_per_number') : dec(8);
  const unit = has(a, 'memory_unit') ? decArg(a, 'memory_unit') : dec(1);
  const memory = (n: number) => scalarT(dec(n).times(perNumber).div(unit));
  const params = paramCount(c);
  return {
    forward_flops: scalarT(dec(fwd)),
    backward_flops: scalarT(dec(bwd)),
    activations: scalarT(dec(activations)),
    parameters: scalarT(dec(params)),
    activation_memory: memory(activations),
    parameter_memory: memory(params),
    gradient_memory: memory(params),
    adam_memory: memory(2 * params),
  };
}

/** Parameters by the layout's formula: input + layers·(attention + LN + FFN) + head */
function paramCount(c: ModelConfig): number {
  const d = c.dModel;
  const input = c.input === 'tokens' ? c.vocab * d : c.inDim * d + d;
  const ln = c.layerNorm ? 2 * d : 0;
  const attn = (c.attnProjection ? 4 : 3) * d * d + ln;
  const ffn = c.dFF > 0 ? 2 * d * c.dFF + (c.ffnBias ? c.dFF + d : 0) + ln : 0;
  const head = c.head === 'none' ? 0 : d * c.outDim + (c.headBias ? c.outDim : 0);
  return input + c.layers * (attn + ffn) + head;
}

function runOp(call: OpCall, resolved: Record<string, Given> = {}): DecimalTrace {
  const a: OpArgs = { id: call.id, raw: call.args, resolved };
  switch (call.op) {
    case 'matmul': return opMatmul(a);
    case 'matvec': return opMatvec(a);
    case 'dot': return opDot(a);
    case 'subtract': return opSubtract(a);
    case 'outer': return { C: matT(outer(arg(a, 'a').flat, arg(a, 'b').flat)) };
    case 'softmax': return opSoftmax(a);
    case 'relu': return opRelu(a);
    case 'cross_entropy': return opCrossEntropy(a, true);
    case 'cross_entropy_grad': return opCrossEntropy(a, false);
    case 'mse': return opMse(a);
    case 'layer_norm': return opLayerNorm(a);
    case 'attention': return opAttention(a);
    case 'embedding_backward': return opEmbeddingBackward(a);
    case 'mlp_mse': return opMlpMse(a);
    case 'sgd':
    case 'momentum':
    case 'adam': return opOptimizer(a, call.op);
    case 'gd_quadratic': return opGdQuadratic(a);
    case 'clip_grad_norm': return opClip(a);
    case 'central_difference': return opCentralDifference(a);
    case 'param_count': return { count: scalarT(dec(paramCount(makeConfig(call.args.config as Partial<ModelConfig>)))) };
    case 'model_cost': return opModelCost(makeConfig(call.args.config as Partial<ModelConfig>), a);
  }
}

/** The sub-tensor at a prefix index: at = [1] of a [2×3] tensor is its second row. */
function selectAt(t: DecimalTensor, at: number[], where: string): Given {
  if (at.length > t.shape.length || at.some((i, k) => !Number.isInteger(i) || i < 0 || i >= t.shape[k])) {
    throw new Error(`${where}: index [${at}] is outside shape [${t.shape}]`);
  }
  const rest = t.shape.slice(at.length);
  const size = rest.reduce((x, y) => x * y, 1);
  const offset = at.reduce((o, i, k) => o * t.shape[k] + i, 0);
  return { shape: rest, flat: t.data.slice(offset * size, (offset + 1) * size) };
}

/** `{ from, at }` arguments of a model scenario's `then:` calls, taken from this certifier's own trace (full precision). */
function resolveRefs(call: OpCall, trace: DecimalTrace): Record<string, Given> {
  const out: Record<string, Given> = {};
  for (const [name, v] of Object.entries(call.args)) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !('from' in v)) continue;
    const ref = v as { from: string; at?: number[] };
    const t = trace[ref.from];
    if (!t) throw new Error(`${call.id}.${name}: the trace has no '${ref.from}'`);
    out[name] = selectAt(t, ref.at ?? [], `${call.id}.${name}`);
  }
  return out;
}

function certifyOps(calls: OpCall[], trace: DecimalTrace = {}): DecimalTrace {
  const out: DecimalTrace = {};
  for (const call of calls) for (const [name, v] of Object.entries(runOp(call, resolveRefs(call, trace)))) out[`${call.id}/${name}`] = v;
  return out;
}

export interface CertifyOptions {
  /**
   * How the scenario's given numbers are read: 'decimal' (default) as the decimal literals they are written as
   * (0.1 is one tenth), the values a document means; 'binary' as the exact value of the float64 each literal
   * parses to, the values the reference computes on, which isolates its arithmetic rounding from the rounding
   * of its inputs. Seeded initialParams are float64 draws and are always read exactly.
   */
  inputs?: 'decimal' | 'binary';
}

/**
 * Every trace path the reference produces for the scenario, recomputed at 40 significant digits (for a model
 * scenario with `then:` calls, also theirs, resolved against this trace as harness/run-scenario.ts does).
 * initialParams: the initial values of the parameters a scenario draws from `init` (the reference's seeded
 * PRNG is not re-implemented here). paths: keep only these trace paths.
 */
export function certifyScenario(
  scenario: Scenario, initialParams?: Record<string, ArrayLike<number>>, paths?: string[], options: CertifyOptions = {},
): DecimalTrace {
  let all: DecimalTrace;
  readGiven = options.inputs === 'binary' ? exactBinary : dec;
  try {
    if (scenario.kind === 'ops') all = certifyOps(scenario.calls);
    else {
      const model = certifyModel(scenario, initialParams);
      all = { ...model, ...certifyOps(scenario.then ?? [], model) };
    }
  } finally {
    readGiven = dec;
  }
  if (!paths) return all;
  const keep: DecimalTrace = {};
  for (const p of paths) if (all[p]) keep[p] = all[p];
  return keep;
}

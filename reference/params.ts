import type { ModelConfig } from './config.js';
import { normalFiller } from './prng.js';

export type Params = Record<string, Float64Array>;

export interface ParamSpec {
  name: string;
  shape: number[];
  init: 'normal' | 'xavier' | 'zeros' | 'ones';
}

/** Every parameter the model allocates for a config, in a fixed order, with its shape. */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[], init: ParamSpec['init']) => specs.push({ name, shape, init });
  if (c.input === 'tokens') add('embedding.E', [c.vocab, d], 'normal');
  else {
    add('input.W_in', [c.inDim, d], 'xavier');
    add('input.b_in', [d], 'zeros');
  }
  for (let l = 0; l < c.layers; l++) {
    const b = `blocks.${l}`;
    for (const w of ['W_Q', 'W_K', 'W_V']) add(`${b}.attn.${w}`, [d, d], 'xavier');
    if (c.attnProjection) add(`${b}.attn.W_O`, [d, d], 'xavier');
    if (c.layerNorm) {
      add(`${b}.ln1.gamma`, [d], 'ones');
      add(`${b}.ln1.beta`, [d], 'zeros');
    }
    if (c.dFF > 0) {
      add(`${b}.ffn.W_1`, [d, c.dFF], 'xavier');
      if (c.ffnBias) add(`${b}.ffn.b_1`, [c.dFF], 'zeros');
      add(`${b}.ffn.W_2`, [c.dFF, d], 'xavier');
      if (c.ffnBias) add(`${b}.ffn.b_2`, [d], 'zeros');
      if (c.layerNorm) {
        add(`${b}.ln2.gamma`, [d], 'ones');
        add(`${b}.ln2.beta`, [d], 'zeros');
      }
    }
  }
  if (c.head !== 'none') {
    add('head.W_out', [d, c.outDim], 'xavier');
    if (c.headBias) add('head.b_out', [c.outDim], 'zeros');
  }
  return specs;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** The number of scalars the model allocates as parameters. */
export function countParams(c: ModelConfig): number {
  return paramSpecs(c).reduce((n, s) => n + sizeOf(s.shape), 0);
}

/**
 * Seeded initialisation: embeddings N(0, 1), weight matrices Xavier-normal N(0, 2/(fan_in + fan_out)),
 * biases and β zero, γ one. The same seed gives the same weights everywhere.
 */
export function initParams(c: ModelConfig, seed: number): Params {
  const fillNormal = normalFiller(seed); // one stream: each random tensor takes its next entries, in spec order
  const params: Params = {};
  for (const s of paramSpecs(c)) {
    const w = new Float64Array(sizeOf(s.shape));
    if (s.init === 'ones') w.fill(1);
    else if (s.init === 'normal') fillNormal(w);
    else if (s.init === 'xavier') fillNormal(w, Math.sqrt(2 / (s.shape[0] + s.shape[1]))); // std · N(0, 1)
    params[s.name] = w;
  }
  return params;
}

/** Zero tensors shaped like the model's parameters (a gradient or optimizer buffer). */
export function zerosLike(c: ModelConfig): Params {
  const z: Params = {};
  for (const s of paramSpecs(c)) z[s.name] = new Float64Array(sizeOf(s.shape));
  return z;
}

/** Deep copy of a parameter set. */
export function cloneParams(p: Params): Params {
  const out: Params = {};
  for (const [k, v] of Object.entries(p)) out[k] = Float64Array.from(v);
  return out;
}

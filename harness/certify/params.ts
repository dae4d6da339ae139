// Mirrors reference/params.ts: the parameter layout (names, shapes, order). The seeded initialiser is not
// mirrored: drawn initial weights are an input of the certifier (scenario.ts), never re-drawn here.
import type { ModelConfig } from './config.js';
import type { Mat } from './tensor.js';

/** Parameters as matrices; a vector parameter (a bias, γ, β) is a single row. */
export type Params = Record<string, Mat>;

export interface ParamSpec {
  name: string;
  shape: number[];
}

/** Every parameter the model has for a config, in the reference's order, with its shape. */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const d = c.dModel;
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[]) => specs.push({ name, shape });
  if (c.input === 'tokens') add('embedding.E', [c.vocab, d]);
  else {
    add('input.W_in', [c.inDim, d]);
    add('input.b_in', [d]);
  }
  for (let l = 0; l < c.layers; l++) {
    const b = `blocks.${l}`;
    for (const w of ['W_Q', 'W_K', 'W_V']) add(`${b}.attn.${w}`, [d, d]);
    if (c.attnProjection) add(`${b}.attn.W_O`, [d, d]);
    if (c.layerNorm) {
      add(`${b}.ln1.gamma`, [d]);
      add(`${b}.ln1.beta`, [d]);
    }
    if (c.dFF > 0) {
      add(`${b}.ffn.W_1`, [d, c.dFF]);
      if (c.ffnBias) add(`${b}.ffn.b_1`, [c.dFF]);
      add(`${b}.ffn.W_2`, [c.dFF, d]);
      if (c.ffnBias) add(`${b}.ffn.b_2`, [d]);
      if (c.layerNorm) {
        add(`${b}.ln2.gamma`, [d]);
        add(`${b}.ln2.beta`, [d]);
      }
    }
  }
  if (c.head !== 'none') {
    add('head.W_out', [d, c.outDim]);
    if (c.headBias) add('head.b_out', [c.outDim]);
  }
  return specs;
}

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** [rows, cols] of a parameter as the certifier holds it (a vector is one row). */
export const matShape = (shape: number[]): [number, number] => (shape.length === 1 ? [1, shape[0]] : [shape[0], shape[1]]);

/**
 * The number of parameters, by the layout's formula (input + layers·(attention + LN + FFN) + head) rather than by
 * summing paramSpecs as the reference does: params.test.ts checks that the two agree.
 */
export function countParams(c: ModelConfig): number {
  const d = c.dModel;
  const input = c.input === 'tokens' ? c.vocab * d : c.inDim * d + d;
  const ln = c.layerNorm ? 2 * d : 0;
  const attn = (c.attnProjection ? 4 : 3) * d * d + ln;
  const ffn = c.dFF > 0 ? 2 * d * c.dFF + (c.ffnBias ? c.dFF + d : 0) + ln : 0;
  const head = c.head === 'none' ? 0 : d * c.outDim + (c.headBias ? c.outDim : 0);
  return input + c.layers * (attn + ffn) + head;
}

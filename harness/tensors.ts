// Conversions between YAML's nested lists and flat tensors.
import { tensor, type Tensor } from '../reference/tensor.js';
import type { Nested } from './scenario.js';

/** The shape of a nested list; throws on ragged lists and non-numbers. */
export function shapeOf(x: Nested, where = 'value'): number[] {
  if (typeof x === 'number') return [];
  if (!Array.isArray(x) || x.length === 0) throw new Error(`${where}: expected a number or a non-empty list`);
  const inner = shapeOf(x[0], `${where}[0]`);
  x.forEach((e, i) => {
    const s = shapeOf(e, `${where}[${i}]`);
    if (s.join() !== inner.join()) throw new Error(`${where}: ragged list (row ${i} has shape [${s}] but row 0 has [${inner}])`);
  });
  return [x.length, ...inner];
}

/** A nested list as a flat row-major tensor. */
export function fromNested(x: Nested, where = 'value'): Tensor {
  const shape = shapeOf(x, where);
  const flat = typeof x === 'number' ? [x] : (x.flat(Infinity as 1) as number[]);
  for (const v of flat) if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${where}: ${v} is not a finite number`);
  return tensor(shape, Float64Array.from(flat));
}

/** A flat tensor back as nested lists (a scalar stays a number). */
export function toNested(t: { shape: number[]; data: ArrayLike<number> }): Nested {
  const build = (offset: number, dim: number): Nested => {
    if (dim === t.shape.length) return t.data[offset];
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[dim] }, (_, i) => build(offset + i * stride, dim + 1));
  };
  return build(0, 0);
}

/** The sub-tensor at a prefix index: at = [1] of a [2×3] tensor is its second row. */
export function select(t: Tensor, at: number[]): Tensor {
  if (at.length > t.shape.length) throw new Error(`index [${at}] has more dimensions than shape [${t.shape}]`);
  let offset = 0;
  at.forEach((i, d) => {
    if (!Number.isInteger(i) || i < 0 || i >= t.shape[d]) throw new Error(`index [${at}] is outside shape [${t.shape}]`);
    offset = offset * t.shape[d] + i;
  });
  const rest = t.shape.slice(at.length);
  const size = rest.reduce((a, b) => a * b, 1);
  return tensor(rest, t.data.slice(offset * size, (offset + 1) * size));
}

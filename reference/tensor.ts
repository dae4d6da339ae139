/** A named value in a trace: flat row-major data with an explicit shape ([] for a scalar). */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

export function tensor(shape: number[], data: Float64Array): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  return { shape, data };
}

export function scalar(x: number): Tensor {
  return { shape: [], data: Float64Array.of(x) };
}

/** A named value in a trace: flat row-major data with an explicit shape ([] for a scalar). */
export interface Tensor {
  shape: number[];
  data: Float64Array;
}

/** The named values of a pass, under the names of spec/fixtures.md. */
export type Trace = Record<string, Tensor>;

export function tensor(shape: number[], data: Float64Array): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new Error(`shape [${shape.join(', ')}] needs ${size} values, got ${data.length}`);
  return { shape, data };
}

export function scalar(x: number): Tensor {
  return { shape: [], data: Float64Array.of(x) };
}

/**
 * A layer's tensors as its backward pass sees them: the input x, the weights w and the activations a of the
 * forward pass; or, with the same fields, their gradients (x: null when the input's gradient is not needed).
 */
export interface LayerTensors<W, A, X extends Float64Array | null = Float64Array> {
  x: X;
  w: W;
  a: A;
}

// The kernel table with the linear layers' products swapped for faster ones: the blocked JavaScript products of
// fast-matmul.ts, or their WebAssembly SIMD form of wasm-matmul.ts. Both compute the same sums in the same order,
// so every result is bit-identical to REFERENCE_KERNELS' (fast-kernels.test.ts). Training (train/, the benchmarks)
// uses FAST_KERNELS for speed; the suite's expected values come from REFERENCE_KERNELS.
import { matmulAddABtFast, matmulAddAtBFast, matmulBiasForwardFast } from './fast-matmul.js';
import { REFERENCE_KERNELS, type Kernels } from './kernels.js';
import type { LinearGrads, LinearShape, LinearWeights } from './linear.js';
import type { MatmulShape } from './matmul.js';
import { matmulAddABtWasm, matmulAddAtBWasm, matmulBiasForwardWasm } from './wasm-matmul.js';

/** The three products a linear layer needs. */
interface LinearProducts {
  /** C = A · B + bias */
  forward(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape, bias: Float64Array | null): void;
  /** C += A · Bᵀ */
  addABt(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void;
  /** C += Aᵀ · B */
  addAtB(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void;
}

/** linearForward and linearBackward of linear.ts over other products. */
function linearOver(x: LinearProducts): Pick<Kernels, 'linearForward' | 'linearBackward'> {
  return {
    /** Y = X · W + b */
    linearForward(Y: Float64Array, X: Float64Array, w: LinearWeights, s: LinearShape): void {
      x.forward(Y, X, w.W, { m: s.rows, k: s.nin, n: s.nout }, w.b);
    },
    /** dX += dY · Wᵀ;  dW += Xᵀ · dY;  db += Σ_rows dY */
    linearBackward(g: LinearGrads, X: Float64Array, W: Float64Array, s: LinearShape): void {
      const { rows, nin, nout } = s;
      if (g.dX) x.addABt(g.dX, g.dY, W, { m: rows, k: nout, n: nin });
      if (g.dW) x.addAtB(g.dW, X, g.dY, { m: nin, k: rows, n: nout });
      if (!g.db) return;
      for (let r = 0; r < rows; r++) for (let j = 0; j < nout; j++) g.db[j] += g.dY[r * nout + j];
    },
  };
}

/** The blocked JavaScript products. */
export const JS_FAST_KERNELS: Kernels = Object.freeze({
  ...REFERENCE_KERNELS,
  ...linearOver({ forward: matmulBiasForwardFast, addABt: matmulAddABtFast, addAtB: matmulAddAtBFast }),
});

/** The WebAssembly SIMD products (the JavaScript ones where the engine has no WebAssembly SIMD). */
export const FAST_KERNELS: Kernels = Object.freeze({
  ...REFERENCE_KERNELS,
  ...linearOver({ forward: matmulBiasForwardWasm, addABt: matmulAddABtWasm, addAtB: matmulAddAtBWasm }),
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FAST_KERNELS, JS_FAST_KERNELS } from './fast-kernels.js';
import { REFERENCE_KERNELS } from './kernels.js';
import { linearBackward, linearForward } from './linear.js';
import { dims, PROPERTY, randomArray } from './testing/fd.js';
import { wasmModule } from './wasm.js';

const same = (x: Float64Array, y: Float64Array) => expect(x.findIndex((v, i) => !Object.is(v, y[i]))).toBe(-1);

describe.each([
  ['FAST_KERNELS', FAST_KERNELS],
  ['JS_FAST_KERNELS', JS_FAST_KERNELS],
])('%s', (_, kernels) => {
  it("is frozen and is REFERENCE_KERNELS but for the linear layers' two entries", () => {
    expect(Object.isFrozen(kernels)).toBe(true);
    expect(Object.keys(kernels).sort()).toEqual(Object.keys(REFERENCE_KERNELS).sort());
    const swapped = Object.keys(REFERENCE_KERNELS).filter(
      (k) => kernels[k as keyof typeof kernels] !== REFERENCE_KERNELS[k as keyof typeof kernels],
    );
    expect(swapped.sort()).toEqual(['linearBackward', 'linearForward']);
  });

  it('linear forward and backward (with and without bias and dX) are bit-identical to linear.ts', () => {
    fc.assert(
      fc.property(dims(10), dims(10), dims(10), fc.boolean(), fc.integer(), (rows, nin, nout, bias, seed) => {
        const s = { rows, nin, nout };
        const [X, W, b, dY] = [
          randomArray(rows * nin, seed),
          randomArray(nin * nout, seed + 1),
          randomArray(nout, seed + 2),
          randomArray(rows * nout, seed + 3),
        ];
        const [slow, fast] = [new Float64Array(rows * nout), new Float64Array(rows * nout)];
        linearForward(slow, X, { W, b: bias ? b : null }, s);
        kernels.linearForward(fast, X, { W, b: bias ? b : null }, s);
        same(fast, slow);
        const grads = () => ({
          dX: bias ? randomArray(rows * nin, seed + 4) : null,
          dW: randomArray(nin * nout, seed + 5),
          db: randomArray(nout, seed + 6),
          dY,
        });
        const [g1, g2] = [grads(), grads()];
        linearBackward(g1, X, W, s);
        kernels.linearBackward(g2, X, W, s);
        for (const k of ['dX', 'dW', 'db'] as const) if (g1[k]) same(g2[k]!, g1[k]!);
      }),
      PROPERTY,
    );
  });
});

describe('the WebAssembly assembler', () => {
  it('names the function and the line it cannot assemble', () => {
    const f = (body: string) => () => wasmModule([{ name: 'f', params: ['a'], locals: {}, body }], 1);
    expect(f('local.get a\n i32.popcnt')).toThrow("f: unknown instruction 'i32.popcnt'");
    expect(f('local.get b')).toThrow("f: unknown local b in 'local.get b'");
    expect(f('block $x\n br $y\n end')).toThrow('f: unknown label $y');
    expect(f('loop $x')).toThrow('f: unclosed $x');
  });
});

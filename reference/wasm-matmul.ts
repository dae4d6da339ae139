// The products of fast-matmul.ts in WebAssembly SIMD: two result entries of a row per f64x2 lane pair, four rows
// by four columns at a time, each entry's terms still multiplied and added one by one for p = 0, 1, …, k − 1 (f64x2
// mul and add round each lane exactly as scalar code does, and nothing is fused), so the results stay bit-identical
// to the readable products (wasm-matmul.test.ts). The operands are copied into the module's memory for each call;
// rows and columns beyond the last block of four, and calls whose operands break the conditions of fast-matmul.ts,
// are left to the JavaScript products.
import {
  allFinite,
  columnDotColumn,
  matmulAddABtFast,
  matmulAddAtBFast,
  matmulBiasForwardFast,
  noNegativeZero,
  rowColumn,
  rowDotRow,
} from './fast-matmul.js';
import { matmulForward, type MatmulShape } from './matmul.js';
import { wasmModule, type WasmFunction } from './wasm.js';

const sums = ['s0', 's1', 's2', 's3', 's4', 's5', 's6', 's7'];
const v128Locals = (names: string[]) => Object.fromEntries(names.map((n) => [n, 'v128' as const]));
/** s_{2r} (columns j, j+1) and s_{2r+1} (j+2, j+3) of row r += x · [b0, b1] */
const madd = (r: number) => `
  local.get s${2 * r}
  local.get x
  local.get b0
  f64x2.mul
  f64x2.add
  local.set s${2 * r}
  local.get s${2 * r + 1}
  local.get x
  local.get b1
  f64x2.mul
  f64x2.add
  local.set s${2 * r + 1}`;
/**
 * One p of a 4×4 block: B[p, j … j+3] from pb as [b0, b1], then for each of the four rows r its A entry (pushed by
 * `splat(r)`, the same in both lanes) times the row of B, added to the row's running sums.
 */
const termsOfRowOfB = (splat: (r: number) => string) => `
  local.get pb
  v128.load
  local.set b0
  local.get pb
  v128.load offset=16
  local.set b1
  ${[0, 1, 2, 3].map((r) => `${splat(r)}\n local.set x\n ${madd(r)}`).join('\n')}`;
/** Row r of the 4×4 block at pc: its two vectors through `through` (load and add, or store). */
const rows4 = (each: (r: number) => string) => [0, 1, 2, 3].map(each).join('\n');

/** pc = the address of C[i, j], the block's first entry */
const BLOCK_OF_C =
  'local.get c\n local.get i\n local.get nb\n i32.mul\n i32.add\n local.get j\n i32.const 3\n i32.shl\n i32.add\n local.set pc';
/** into = 8 · count (a count of doubles in bytes) */
const bytes = (count: string, into: string) => `local.get ${count}\n i32.const 3\n i32.shl\n local.set ${into}`;
/** `block` for every 4×4 block of the result: rows i = 0, 4, … below m4, columns j = 0, 4, … below n4. */
const blocksOf4x4 = (block: string) => `
  i32.const 0
  local.set i
  block $rows_done
  loop $rows
    local.get i
    local.get m4
    i32.ge_u
    br_if $rows_done
    i32.const 0
    local.set j
    block $cols_done
    loop $cols
      local.get j
      local.get n4
      i32.ge_u
      br_if $cols_done
      ${block}
      local.get j
      i32.const 4
      i32.add
      local.set j
      br $cols
    end
    end
    local.get i
    i32.const 4
    i32.add
    local.set i
    br $rows
  end
  end`;

/**
 * mm: C[i, j] (= or +=, by `acc`) Σ_p A[i, p] B[p, j] for rows i < m4 and columns j < n4, both multiples of 4;
 * A [m x k], B [k x n], C [m x n] at byte addresses c, a, b.
 */
const MM: WasmFunction = {
  name: 'mm',
  params: ['c', 'a', 'b', 'm4', 'k', 'n', 'n4', 'acc'],
  locals: {
    kb: 'i32',
    nb: 'i32',
    i: 'i32',
    j: 'i32',
    pa: 'i32',
    pend: 'i32',
    pb: 'i32',
    pc: 'i32',
    ...v128Locals([...sums, 'b0', 'b1', 'x']),
  },
  body: `
  ${bytes('k', 'kb')}
  ${bytes('n', 'nb')}
  ${blocksOf4x4(`
      ${sums.map((s) => `f64x2.zero\n local.set ${s}`).join('\n')}
      local.get a
      local.get i
      local.get kb
      i32.mul
      i32.add
      local.tee pa
      local.get kb
      i32.add
      local.set pend
      local.get b
      local.get j
      i32.const 3
      i32.shl
      i32.add
      local.set pb
      block $p_done
      loop $p
        local.get pa
        local.get pend
        i32.ge_u
        br_if $p_done
        ${termsOfRowOfB((r) => `local.get pa\n ${r ? `local.get kb\n i32.const ${r}\n i32.mul\n i32.add\n` : ''} v128.load64_splat`)}
        local.get pa
        i32.const 8
        i32.add
        local.set pa
        local.get pb
        local.get nb
        i32.add
        local.set pb
        br $p
      end
      end
      ${BLOCK_OF_C}
      block $overwrite
        local.get acc
        i32.eqz
        br_if $overwrite
        ${rows4(
          (r) => `
        local.get pc
        v128.load offset=0
        local.get s${2 * r}
        f64x2.add
        local.set s${2 * r}
        local.get pc
        v128.load offset=16
        local.get s${2 * r + 1}
        f64x2.add
        local.set s${2 * r + 1}
        local.get pc
        local.get nb
        i32.add
        local.set pc`,
        )}
        local.get pc
        local.get nb
        i32.const 4
        i32.mul
        i32.sub
        local.set pc
      end
      ${rows4(
        (r) => `
      local.get pc
      local.get s${2 * r}
      v128.store offset=0
      local.get pc
      local.get s${2 * r + 1}
      v128.store offset=16
      local.get pc
      local.get nb
      i32.add
      local.set pc`,
      )}
  `)}`,
};

/**
 * atb: C[i, j] += A[p, i] B[p, j] for p = 0, 1, …, k − 1, each entry a running sum from its own value, for rows
 * i < m4 and columns j < n4 (multiples of 4); A [k x m], B [k x n], C [m x n] at byte addresses c, a, b.
 */
const ATB: WasmFunction = {
  name: 'atb',
  params: ['c', 'a', 'b', 'm4', 'k', 'm', 'n', 'n4'],
  locals: {
    mb: 'i32',
    nb: 'i32',
    i: 'i32',
    j: 'i32',
    pa: 'i32',
    pb: 'i32',
    pc: 'i32',
    p: 'i32',
    ...v128Locals([...sums, 'b0', 'b1', 'x']),
  },
  body: `
  ${bytes('m', 'mb')}
  ${bytes('n', 'nb')}
  ${blocksOf4x4(`
      ${BLOCK_OF_C}
      ${rows4(
        (r) => `
      local.get pc
      local.get nb
      i32.const ${r}
      i32.mul
      i32.add
      local.tee x_addr
      v128.load offset=0
      local.set s${2 * r}
      local.get x_addr
      v128.load offset=16
      local.set s${2 * r + 1}`,
      )}
      local.get a
      local.get i
      i32.const 3
      i32.shl
      i32.add
      local.set pa
      local.get b
      local.get j
      i32.const 3
      i32.shl
      i32.add
      local.set pb
      local.get k
      local.set p
      block $p_done
      loop $p
        local.get p
        i32.eqz
        br_if $p_done
        ${termsOfRowOfB((r) => `local.get pa\n v128.load64_splat offset=${8 * r}`)}
        local.get pa
        local.get mb
        i32.add
        local.set pa
        local.get pb
        local.get nb
        i32.add
        local.set pb
        local.get p
        i32.const 1
        i32.sub
        local.set p
        br $p
      end
      end
      ${rows4(
        (r) => `
      local.get pc
      local.get nb
      i32.const ${r}
      i32.mul
      i32.add
      local.tee x_addr
      local.get s${2 * r}
      v128.store offset=0
      local.get x_addr
      local.get s${2 * r + 1}
      v128.store offset=16`,
      )}
  `)}`,
};
ATB.locals = { ...ATB.locals, x_addr: 'i32' };

type Exports = {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  mm(c: number, a: number, b: number, m4: number, k: number, n: number, n4: number, acc: number): void;
  atb(c: number, a: number, b: number, m4: number, k: number, m: number, n: number, n4: number): void;
};
/** The part of the WebAssembly JavaScript API used here (the project's TypeScript libraries do not declare it). */
type WebAssemblyApi = { Module: new (bytes: Uint8Array) => object; Instance: new (m: object) => { exports: unknown } };

let instance: Exports | null | undefined;
let heap = new Float64Array(0);

/** The module, made on first use; null where this JavaScript engine has no WebAssembly SIMD. */
function simd(): Exports | null {
  if (instance !== undefined) return instance;
  try {
    const api = (globalThis as unknown as { WebAssembly: WebAssemblyApi }).WebAssembly;
    instance = new api.Instance(new api.Module(wasmModule([MM, ATB], 1))).exports as Exports;
  } catch {
    instance = null;
  }
  return instance;
}

/** The module's memory as doubles, at least n of them (grown, never shrunk). */
function doubles(x: Exports, n: number): Float64Array {
  const have = x.memory.buffer.byteLength;
  if (n * 8 > have) x.memory.grow(Math.ceil((n * 8 - have) / 65536));
  if (heap.buffer !== x.memory.buffer) heap = new Float64Array(x.memory.buffer);
  return heap;
}

/** Whether the products below run in WebAssembly SIMD (else they are those of fast-matmul.ts). */
export const wasmSimd = (): boolean => simd() !== null;

/** C = A · B + bias (bias [n] or null, added to each finished sum); overwrites C. Bit-identical to linearForward's. */
export function matmulBiasForwardWasm(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape, bias: Float64Array | null): void {
  const { m, k, n } = s;
  const [m4, n4] = [m & ~3, n & ~3];
  const x = m4 && n4 ? simd() : null;
  if (!x || !allFinite(B, k * n)) return matmulBiasForwardFast(C, A, B, s, bias);
  const [a, b, c] = [0, m * k, m * k + k * n];
  const h = doubles(x, c + m * n);
  h.set(A.subarray(0, m * k), a);
  h.set(B.subarray(0, k * n), b);
  x.mm(c * 8, a * 8, b * 8, m4, k, n, n4, 0);
  C.set(h.subarray(c, c + m4 * n));
  for (let i = 0; i < m4; i++) {
    if (bias) for (let j = 0; j < n4; j++) C[i * n + j] += bias[j];
    for (let j = n4; j < n; j++) C[i * n + j] = rowColumn(A, B, s, i, j, bias);
  }
  if (m4 < m) matmulBiasForwardFast(C.subarray(m4 * n), A.subarray(m4 * k), B, { m: m - m4, k, n }, bias);
}

/** C = A · B   (A [m x k], B [k x n]); overwrites C. Bit-identical to matmulForward. */
export function matmulForwardWasm(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  if (!allFinite(B, s.k * s.n)) return matmulForward(C, A, B, s);
  matmulBiasForwardWasm(C, A, B, s, null);
}

/** C += A · Bᵀ   (A [m x k], B [n x k]). Bit-identical to matmulAddABt: B is transposed into the module's memory. */
export function matmulAddABtWasm(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  const [m4, n4] = [m & ~3, n & ~3];
  const x = m4 && n4 ? simd() : null;
  if (!x) return matmulAddABtFast(C, A, B, s);
  const [a, b, c] = [0, m * k, m * k + k * n];
  const h = doubles(x, c + m * n);
  h.set(A.subarray(0, m * k), a);
  for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) h[b + p * n + j] = B[j * k + p];
  h.set(C.subarray(0, m4 * n), c);
  x.mm(c * 8, a * 8, b * 8, m4, k, n, n4, 1);
  C.set(h.subarray(c, c + m4 * n));
  for (let i = 0; i < m4; i++) for (let j = n4; j < n; j++) C[i * n + j] += rowDotRow(A, B, k, i, j);
  for (let i = m4; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] += rowDotRow(A, B, k, i, j);
}

/** C += Aᵀ · B   (A [k x m], B [k x n]), each entry a running sum over p. Bit-identical to matmulAddAtB. */
export function matmulAddAtBWasm(C: Float64Array, A: Float64Array, B: Float64Array, s: MatmulShape): void {
  const { m, k, n } = s;
  const [m4, n4] = [m & ~3, n & ~3];
  const x = m4 && n4 ? simd() : null;
  if (!x || !allFinite(B, k * n) || !noNegativeZero(C, m * n)) return matmulAddAtBFast(C, A, B, s);
  const [a, b, c] = [0, k * m, k * m + k * n];
  const h = doubles(x, c + m * n);
  h.set(A.subarray(0, k * m), a);
  h.set(B.subarray(0, k * n), b);
  h.set(C.subarray(0, m4 * n), c);
  x.atb(c * 8, a * 8, b * 8, m4, k, m, n, n4);
  C.set(h.subarray(c, c + m4 * n));
  for (let i = 0; i < m4; i++) for (let j = n4; j < n; j++) C[i * n + j] = columnDotColumn(C[i * n + j], A, B, s, i, j);
  for (let i = m4; i < m; i++) for (let j = 0; j < n; j++) C[i * n + j] = columnDotColumn(C[i * n + j], A, B, s, i, j);
}

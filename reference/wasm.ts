// A very small WebAssembly assembler: functions written as flat WebAssembly text (one instruction per line, the
// subset the matrix products of wasm-matmul.ts use) turned into the bytes of a module, in process and with no
// tool to download. Each instruction's opcode is from the WebAssembly core and SIMD specifications.

/** A function: its name (exported), its i32 parameters, its locals by name and type, and its body. */
export interface WasmFunction {
  name: string;
  params: string[];
  locals: Record<string, 'i32' | 'v128'>;
  body: string;
}

const TYPE = { i32: 0x7f, v128: 0x7b } as const;

/** Opcodes without immediates (core), and those behind the 0xfd SIMD prefix. */
const PLAIN: Record<string, number[]> = {
  end: [0x0b],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.shl': [0x74],
  'i32.and': [0x71],
  'i32.lt_u': [0x49],
  'i32.ge_u': [0x4f],
  'i32.eqz': [0x45],
  'f64x2.add': [0xfd, 0xf0, 0x01],
  'f64x2.mul': [0xfd, 0xf2, 0x01],
};
/** Memory instructions: opcode bytes and the natural alignment (log2 bytes) of their memarg. */
const MEMORY: Record<string, { op: number[]; align: number }> = {
  'f64.load': { op: [0x2b], align: 3 },
  'f64.store': { op: [0x39], align: 3 },
  'v128.load': { op: [0xfd, 0x00], align: 4 },
  'v128.store': { op: [0xfd, 0x0b], align: 4 },
  'v128.load64_splat': { op: [0xfd, 0x0a], align: 3 },
};

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
}

const utf8 = (s: string) => [...new TextEncoder().encode(s)];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** The bytes of one function body; labels of block/loop are named ($x) and resolved to depths. */
function assemble(f: WasmFunction): number[] {
  const index = new Map<string, number>();
  f.params.forEach((p, i) => index.set(p, i));
  Object.keys(f.locals).forEach((l, i) => index.set(l, f.params.length + i));
  const labels: string[] = [];
  const code: number[] = [];
  const lines = f.body
    .split('\n')
    .map((l) => l.replace(/;;.*/, '').trim())
    .filter(Boolean);
  for (const line of lines) {
    const [op, ...args] = line.split(/\s+/);
    const local = () => {
      const i = index.get(args[0]);
      if (i === undefined) throw new Error(`${f.name}: unknown local ${args[0]} in '${line}'`);
      return uleb(i);
    };
    if (op === 'local.get' || op === 'local.set' || op === 'local.tee')
      code.push({ 'local.get': 0x20, 'local.set': 0x21, 'local.tee': 0x22 }[op], ...local());
    else if (op === 'i32.const') code.push(0x41, ...sleb(Number(args[0])));
    else if (op === 'f64x2.zero')
      code.push(0xfd, 0x0c, ...new Array<number>(16).fill(0)); // v128.const 0
    else if (op === 'block' || op === 'loop') {
      labels.push(args[0]);
      code.push(op === 'block' ? 0x02 : 0x03, 0x40);
    } else if (op === 'br' || op === 'br_if') {
      const depth = labels.length - 1 - labels.lastIndexOf(args[0]);
      if (depth >= labels.length) throw new Error(`${f.name}: unknown label ${args[0]}`);
      code.push(op === 'br' ? 0x0c : 0x0d, ...uleb(depth));
    } else if (op === 'end') {
      labels.pop();
      code.push(0x0b);
    } else if (MEMORY[op]) {
      const offset = Number(args.find((a) => a.startsWith('offset='))?.slice(7) ?? 0);
      code.push(...MEMORY[op].op, ...uleb(MEMORY[op].align), ...uleb(offset));
    } else if (PLAIN[op]) code.push(...PLAIN[op]);
    else throw new Error(`${f.name}: unknown instruction '${line}'`);
  }
  if (labels.length) throw new Error(`${f.name}: unclosed ${labels.join(', ')}`);
  const groups = Object.values(f.locals).map((t) => [1, TYPE[t]]);
  const body = [...vec(groups), ...code, 0x0b];
  return [...uleb(body.length), ...body];
}

/**
 * A module exporting its memory as `memory` (initialPages of 64 KiB) and each function by name; every function
 * takes i32 parameters and returns nothing.
 */
export function wasmModule(functions: WasmFunction[], initialPages: number): Uint8Array {
  const types = functions.map((f) => [0x60, ...vec(f.params.map(() => [TYPE.i32])), 0x00]);
  const exports = [
    [...uleb(utf8('memory').length), ...utf8('memory'), 0x02, 0x00],
    ...functions.map((f, i) => [...uleb(utf8(f.name).length), ...utf8(f.name), 0x00, ...uleb(i)]),
  ];
  return Uint8Array.from([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(functions.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(initialPages)]])),
    ...section(7, vec(exports)),
    ...section(10, vec(functions.map(assemble))),
  ]);
}

// The operations task of Stage 10: `Max(1,6,2)` → `6`, over the document's 20-token vocabulary.
// Token ids follow the document's example, Max(1,6,2) → [15, 17, 3, 19, 8, 19, 4, 18] with target 8 ('6'):
// digit d is d + 2, '(' 17, ')' 18, ',' 19, Max 15. The document names no other operation; the other four
// (ids 12, 13, 14, 16) and the two unused ids 0 and 1 are our choice, recorded in spec/ops-task.md.
import type { Example } from '../reference/model.js';
import { mulberry32 } from '../reference/prng.js';

export const PAD = 0;
export const UNUSED = 1;
export const DIGIT0 = 2;
export const OPEN = 17;
export const CLOSE = 18;
export const COMMA = 19;
export const VOCAB = 20;

/** The five operations, each a function of three digits whose answer is one digit. */
export const OPERATIONS = {
  First: { id: 12, apply: (a: number, _b: number, _c: number) => a },
  Last: { id: 13, apply: (_a: number, _b: number, c: number) => c },
  Min: { id: 14, apply: (a: number, b: number, c: number) => Math.min(a, b, c) },
  Max: { id: 15, apply: (a: number, b: number, c: number) => Math.max(a, b, c) },
  Median: { id: 16, apply: (a: number, b: number, c: number) => a + b + c - Math.min(a, b, c) - Math.max(a, b, c) },
} as const;
export type OperationName = keyof typeof OPERATIONS;

export interface OpsExample extends Example {
  tokens: number[];
  target: number;
  /** The example as the document writes it, e.g. `Max(1,6,2)`. */
  text: string;
}

/** `Max(1,6,2)` → tokens [15, 17, 3, 19, 8, 19, 4, 18], target the answer's token (8 for '6'). */
export function encode(op: OperationName, a: number, b: number, c: number): OpsExample {
  for (const d of [a, b, c]) if (!Number.isInteger(d) || d < 0 || d > 9) throw new Error(`arguments must be digits 0-9 (got ${d})`);
  const o = OPERATIONS[op];
  return {
    tokens: [o.id, OPEN, DIGIT0 + a, COMMA, DIGIT0 + b, COMMA, DIGIT0 + c, CLOSE],
    target: DIGIT0 + o.apply(a, b, c),
    text: `${op}(${a},${b},${c})`,
  };
}

/** The name of every token id, for plots and logs. */
export function tokenName(id: number): string {
  if (id >= DIGIT0 && id < DIGIT0 + 10) return String(id - DIGIT0);
  const op = Object.entries(OPERATIONS).find(([, o]) => o.id === id);
  if (op) return op[0];
  return ({ [PAD]: '<pad>', [UNUSED]: '<unused>', [OPEN]: '(', [CLOSE]: ')', [COMMA]: ',' } as Record<number, string>)[id] ?? `#${id}`;
}

export interface OpsDataset {
  train: OpsExample[];
  validation: OpsExample[];
}

/** Fisher–Yates with the seeded generator: the same seed gives the same order everywhere. */
export function shuffle<T>(xs: T[], random: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Every one of the 5 × 10³ = 5000 distinct sequences, shuffled with `seed` and split: the first
 * `validationFraction` go to validation. No sequence is in both sets.
 */
export function opsDataset(seed: number, validationFraction = 0.2): OpsDataset {
  if (!(validationFraction > 0 && validationFraction < 1))
    throw new Error(`validationFraction must be in (0, 1) (got ${validationFraction})`);
  const all: OpsExample[] = [];
  for (const op of Object.keys(OPERATIONS) as OperationName[]) {
    for (let a = 0; a < 10; a++) for (let b = 0; b < 10; b++) for (let c = 0; c < 10; c++) all.push(encode(op, a, b, c));
  }
  const mixed = shuffle(all, mulberry32(seed));
  const nVal = Math.round(mixed.length * validationFraction);
  return { validation: mixed.slice(0, nVal), train: mixed.slice(nVal) };
}

// The plug-in interface: anything that turns a scenario into a trace of named tensors.
import type { Tensor } from '../../reference/tensor.js';
import type { OpName, Scenario } from '../fixtures/scenario.js';

/** Model features a scenario may need; an implementation lists the ones it has. */
export const FEATURES = [
  'forward',
  'backward',
  'multi-head',
  'causal',
  'layer-norm',
  'ffn',
  'residual',
  'positional',
  'attn-projection',
  'regression',
  'continuous-input',
  'batch',
  'sgd',
  'momentum',
  'adam',
  'clip',
] as const;
export type Feature = (typeof FEATURES)[number];

export interface Capabilities {
  dtype: 'float64' | 'float32';
  /** Single operations it can run; a claim reading a call of another op is skipped, never failed. */
  ops: OpName[];
  /** Model features it supports; a claim on a model needing another one is skipped, never failed. */
  features: Feature[];
  /**
   * Globs over trace names (the last part of a path: `probs`, `grad.head.W_out`, `blocks.*.attn.weights`) that it
   * produces; claims on other names are skipped. Absent: every name of spec/fixtures.md. What each claim needs is
   * in requirements.ts.
   */
  trace?: string[];
}

export interface ImplementationInfo {
  name: string;
  version: string;
  language: string;
  capabilities: Capabilities;
}

/** Named tensors, keyed by trace path: `<step>/<example>/<name>`, `<step>/<name>` or `<call>/<output>`. */
export type TraceValues = Record<string, Tensor>;

export interface RunOptions {
  /** The trace paths the harness will read; an implementation may return only these (or more). */
  paths?: string[];
}

export interface Implementation extends ImplementationInfo {
  run(scenario: Scenario, options?: RunOptions): Promise<TraceValues>;
  close?(): Promise<void>;
}

/** The features a scenario needs (derived from its config, examples and steps). */
export function requiredFeatures(s: Scenario): Feature[] {
  if (s.kind === 'ops') return [];
  const need = new Set<Feature>(['forward']);
  const c = s.config;
  if ((c.heads ?? 4) > 1) need.add('multi-head');
  if (c.causal) need.add('causal');
  if (c.layerNorm ?? true) need.add('layer-norm');
  if ((c.dFF ?? 256) > 0) need.add('ffn');
  // The FFN's residual exists only where there is an FFN (dFF > 0).
  if ((c.attnResidual ?? true) || ((c.dFF ?? 256) > 0 && (c.ffnResidual ?? true))) need.add('residual');
  if ((c.positional ?? 'sinusoidal') === 'sinusoidal') need.add('positional');
  if (c.attnProjection ?? true) need.add('attn-projection');
  if (c.head === 'regression') need.add('regression');
  if (c.input === 'continuous') need.add('continuous-input');
  if (s.examples.length > 1) need.add('batch');
  if (s.steps.some((st) => st.do === 'train')) {
    need.add('backward');
    need.add(s.optimizer?.kind ?? 'sgd');
    if (s.steps.some((st) => st.do === 'train' && st.clip !== undefined)) need.add('clip');
  }
  return [...need];
}

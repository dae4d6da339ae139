// What a fixture asks an implementation to compute: a model scenario (config, weights, examples, steps)
// or a list of single operations with their inputs. Scenarios carry only given inputs, never expected values.
import type { ModelConfig } from '../reference/config.js';
import type { OptimizerSpec } from '../reference/training.js';

/** A number, or a vector / matrix / 3-tensor of numbers, as written in YAML. */
export type Nested = number | Nested[];

export interface ExampleSpec {
  tokens?: number[];
  inputs?: number[][];
  target?: number | number[];
}

export type StepSpec =
  | { id: string; do: 'forward' }
  | { id: string; do: 'train'; trainable?: string[]; clip?: number };

export interface ModelScenario {
  kind: 'model';
  /** Fields that differ from the full Stage 10 model's defaults (reference/config.ts). */
  config: Partial<ModelConfig>;
  /** Given weights by parameter name; parameters not given are drawn from `init`. */
  weights?: Record<string, Nested>;
  init?: { seed: number };
  examples: ExampleSpec[];
  /** One optimizer for the whole scenario, its state carried from one train step to the next. */
  optimizer?: OptimizerSpec;
  steps: StepSpec[];
  /**
   * Single operations applied afterwards to values of this scenario's own trace (for example the worksheet's
   * step-by-step softmax of the traced scores). The harness resolves their `from` arguments and sends them to
   * the implementation as an ops scenario.
   */
  then?: OpCall[];
}

/** An op argument taken from the trace of the same run: `{ from: '<path>', at: [...] }`. */
export interface TraceRef {
  from: string;
  at?: number[];
}

/** The single operations a fixture can ask for, each with named inputs and named outputs. */
export const OPS = {
  matmul: { inputs: ['A', 'B'], outputs: ['C'] },
  matvec: { inputs: ['M', 'x'], outputs: ['y'] },
  dot: { inputs: ['a', 'b'], outputs: ['value'] },
  subtract: { inputs: ['a', 'b'], outputs: ['value'] },
  outer: { inputs: ['a', 'b'], outputs: ['C'] },
  softmax: { inputs: ['x', 'upstream?'], outputs: ['max', 'shifted', 'exps', 'sum', 'y', 'dx?'] },
  relu: { inputs: ['z', 'upstream?'], outputs: ['y', 'dz?'] },
  cross_entropy: { inputs: ['logits', 'target'], outputs: ['probs', 'loss', 'dlogits'] },
  cross_entropy_grad: { inputs: ['probs', 'target'], outputs: ['dlogits'] },
  mse: { inputs: ['y', 't', 'factor'], outputs: ['loss', 'dy'] },
  layer_norm: { inputs: ['x', 'gamma', 'beta', 'eps', 'upstream?'], outputs: ['y', 'dx?', 'dgamma?', 'dbeta?'] },
  attention: { inputs: ['Q', 'K', 'V', 'heads', 'causal', 'upstream?'], outputs: ['scores', 'scaled', 'weights', 'context', 'dQ?', 'dK?', 'dV?'] },
  embedding_backward: { inputs: ['tokens', 'dX', 'vocab'], outputs: ['dE'] },
  mlp_mse: { inputs: ['x', 'W_1', 'b_1', 'W_2', 'b_2', 'target', 'factor'], outputs: ['hidden', 'act', 'output', 'loss', 'doutput', 'dW_2', 'db_2', 'dact', 'dhidden', 'dW_1', 'db_1'] },
  sgd: { inputs: ['w', 'grads', 'lr'], outputs: ['trajectory'] },
  momentum: { inputs: ['w', 'grads', 'lr', 'beta'], outputs: ['trajectory'] },
  adam: { inputs: ['w', 'grads', 'lr', 'beta1', 'beta2', 'eps'], outputs: ['trajectory'] },
  gd_quadratic: { inputs: ['w', 'center', 'lr', 'steps'], outputs: ['trajectory'] },
  clip_grad_norm: { inputs: ['g', 'max_norm'], outputs: ['norm', 'clipped'] },
  central_difference: { inputs: ['loss_plus', 'loss_minus', 'eps'], outputs: ['gradient'] },
  param_count: { inputs: ['config'], outputs: ['count'] },
  model_cost: { inputs: ['config', 'bytes_per_number?', 'memory_unit?'], outputs: ['forward_flops', 'backward_flops', 'activations', 'parameters', 'activation_memory', 'parameter_memory', 'gradient_memory', 'adam_memory'] },
} as const;

export type OpName = keyof typeof OPS;

export interface OpCall {
  id: string;
  op: OpName;
  args: Record<string, Nested | boolean | Partial<ModelConfig> | TraceRef>;
}

export interface OpsScenario {
  kind: 'ops';
  calls: OpCall[];
}

export type Scenario = ModelScenario | OpsScenario;

/** Names without their optional marker: 'upstream?' → 'upstream'. */
export const bare = (name: string): string => name.replace(/\?$/, '');

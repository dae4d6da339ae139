// harness/certify: the certifier. Its job: recompute, independently and in 40-digit decimal arithmetic
// (harness/exact.ts), every value the float64 reference puts in a trace, so that fixtures/fixtures.test.ts can
// certify each frozen expected value (agreement to a relative 1e-13) and scenario.test.ts the reference itself.
//
// The independence rule: no file here imports anything from reference/, not its math, not its types, not its
// configuration defaults or parameter layout (config.ts and params.ts are copies, pinned to the reference by
// their tests). Seeded initial weights are an input, never re-drawn. Shared plumbing that computes nothing
// (nested-list shapes and selection, harness/fixtures/tensors.ts; the scenario types) is imported.
// independence.test.ts enforces the rule. Tests (*.test.ts) may import the reference: they compare against it.
//
// The layout mirrors reference/ file for file, with the same names and decomposition, so that
// reference/attention.ts and harness/certify/attention.ts can be read side by side. The conventions (matmul.ts):
// output buffers become return values; size arguments disappear (nested arrays carry them); a backward returns
// the gradients of its layer's input, weights and activations (the reference's LayerTensors, same field names)
// instead of accumulating them; functions that read a given number take `read` (tensor.ts) last, where the
// reference takes its kernel table. Where the derivation differs on purpose (the softmax Jacobian, layer norm back
// through its graph, masks as visibility, stored activations by formula), the file says so.
//
//   tensor, matmul, linear, relu, softmax, layernorm, losses, embedding, residual, vector    the operations
//   attention, self_attention, ffn, block, model                                             the transformer
//   config, params, optim, training, cost, gradcheck                                         configuration, training
//   ops (harness/impls/reference.ts's op table), scenario (a scenario → its trace)           the entry points
export { certifyScenario, type CertifyOptions, type InitialParams } from './scenario.js';
export type { DecimalTensor, DecimalTrace } from './tensor.js';
export { Decimal } from '../exact.js';

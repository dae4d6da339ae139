/**
 * The model's configuration. The defaults describe the full post-LN transformer of Stage 10;
 * the book's 2×2 examples switch parts off (no FFN, no layer norm, no residual, no W_O in attention).
 */
export interface ModelConfig {
  /** Token vocabulary (rows of the embedding E). */
  vocab: number;
  dModel: number;
  heads: number;
  /** Width of the feed-forward hidden layer; 0 means the block has no FFN. */
  dFF: number;
  layers: number;
  /** Longest sequence the model accepts. */
  seqLen: number;
  /** Hide keys j > i from query i. */
  causal: boolean;
  positional: 'sinusoidal' | 'none';
  /** 'tokens': X = E[token] + PE; 'continuous': X = inputs W_in + b_in + PE (inputs [T×inDim]). */
  input: 'tokens' | 'continuous';
  inDim: number;
  /** The attention layer's output projection W_O (Stage 10 has it; the book's 2×2 worksheets do not). */
  attnProjection: boolean;
  /** x + attention(x) (else the attention output alone). */
  attnResidual: boolean;
  /** x + FFN(x) (else the FFN output alone). */
  ffnResidual: boolean;
  /** Post-LN: LayerNorm after each residual sum, as Stage 10 describes. */
  layerNorm: boolean;
  ffnBias: boolean;
  lnEps: number;
  /** The head reads the last position: logits (cross-entropy), a regression output (MSE), or nothing. */
  head: 'classification' | 'regression' | 'none';
  outDim: number;
  headBias: boolean;
  /** L = mseFactor · mean((y − t)²) for the regression head. */
  mseFactor: number;
}

export const STAGE10_CONFIG: ModelConfig = Object.freeze({
  vocab: 20,
  dModel: 64,
  heads: 4,
  dFF: 256,
  layers: 2,
  seqLen: 8,
  causal: false,
  positional: 'sinusoidal',
  input: 'tokens',
  inDim: 0,
  attnProjection: true,
  attnResidual: true,
  ffnResidual: true,
  layerNorm: true,
  ffnBias: true,
  lnEps: 1e-5,
  head: 'classification',
  outDim: 20,
  headBias: true,
  mseFactor: 0.5,
}) as ModelConfig;

/** The full model's defaults with the given fields replaced; checks that the shapes are consistent. */
export function makeConfig(over: Partial<ModelConfig>): ModelConfig {
  const c = { ...STAGE10_CONFIG, ...over };
  const problems: string[] = [];
  for (const k of ['vocab', 'dModel', 'heads', 'layers', 'seqLen', 'outDim'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) problems.push(`${k} must be a positive integer (got ${c[k]})`);
  }
  if (!Number.isInteger(c.dFF) || c.dFF < 0) problems.push(`dFF must be a non-negative integer (got ${c.dFF})`);
  if (c.dModel % c.heads !== 0) problems.push(`dModel ${c.dModel} is not divisible by heads ${c.heads}`);
  if (c.positional === 'sinusoidal' && c.dModel % 2 !== 0) problems.push(`sinusoidal positions need an even dModel`);
  if (c.input === 'continuous' && (!Number.isInteger(c.inDim) || c.inDim < 1)) problems.push(`continuous input needs inDim >= 1`);
  if (!(c.lnEps > 0)) problems.push(`lnEps must be positive`);
  const choices = {
    positional: ['sinusoidal', 'none'],
    input: ['tokens', 'continuous'],
    head: ['classification', 'regression', 'none'],
  } as const;
  for (const [k, allowed] of Object.entries(choices)) {
    const v = c[k as keyof typeof choices];
    if (!(allowed as readonly string[]).includes(v)) problems.push(`${k} must be one of ${allowed.join(', ')} (got ${String(v)})`);
  }
  for (const k of ['causal', 'attnProjection', 'attnResidual', 'ffnResidual', 'layerNorm', 'ffnBias', 'headBias'] as const) {
    if (typeof c[k] !== 'boolean') problems.push(`${k} must be true or false (got ${String(c[k])})`);
  }
  if (problems.length) throw new Error(`invalid model config: ${problems.join('; ')}`);
  return c;
}

/** The 2×2 model of the book's Examples 1-4: fixed embeddings, one head, no FFN, no layer norm, no residual, no positions. */
export const BOOK_2X2: ModelConfig = makeConfig({
  vocab: 4,
  dModel: 2,
  heads: 1,
  dFF: 0,
  layers: 1,
  seqLen: 2,
  positional: 'none',
  attnProjection: false,
  attnResidual: false,
  layerNorm: false,
  head: 'classification',
  outDim: 4,
  headBias: false,
});

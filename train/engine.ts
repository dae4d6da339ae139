// Where a batch's forward and backward run: in this thread, or data-parallel over worker threads. The
// parameters live in one SharedArrayBuffer that every worker reads (the optimizer updates them in place
// between batches, while the workers wait); each worker adds its shard's gradient into its own shared
// buffer, and the buffers are summed here in worker order.
import { Worker } from 'node:worker_threads';
import type { ModelConfig } from '../reference/config.js';
import type { Example } from '../reference/model.js';
import type { Params } from '../reference/params.js';
import { accumulateShard, flatSize, splitEven, viewsOver, type ShardResult } from './batch.js';

export interface BatchGradients {
  /** Mean loss over the batch. */
  loss: number;
  correct: number;
  /** ∂(mean loss)/∂θ. */
  grads: Params;
}

export interface BatchEngine {
  /** The live parameters; an optimizer updates them in place between batches. */
  readonly params: Params;
  readonly threads: number;
  gradients(examples: Example[]): Promise<BatchGradients>;
  evaluate(examples: Example[]): Promise<ShardResult>;
  close(): Promise<void>;
}

/** A message to a worker: accumulate a shard's gradient (scaled), or only evaluate it. */
export interface ShardRequest {
  id: number;
  kind: 'gradients' | 'evaluate';
  examples: Example[];
  scale: number;
}
export type ShardReply = { id: number; result: ShardResult } | { id: number; error: string };
export interface WorkerSetup {
  config: ModelConfig;
  params: SharedArrayBuffer;
  grads: SharedArrayBuffer;
}

const sharedCopy = (c: ModelConfig, init: Params): { buffer: SharedArrayBuffer; params: Params } => {
  const buffer = new SharedArrayBuffer(flatSize(c) * 8);
  const params = viewsOver(c, buffer);
  for (const [k, v] of Object.entries(params)) {
    if (!init[k] || init[k].length !== v.length) throw new Error(`initial parameters lack ${k} or have the wrong size`);
    v.set(init[k]);
  }
  return { buffer, params };
};

/** Everything in this thread; the reference's own order of accumulation. */
function singleThread(c: ModelConfig, init: Params): BatchEngine {
  const { params } = sharedCopy(c, init);
  const flat = new Float64Array(flatSize(c));
  const grads = viewsOver(c, flat.buffer);
  return {
    params,
    threads: 1,
    async gradients(examples) {
      flat.fill(0);
      const r = accumulateShard(c, params, examples, grads, 1 / examples.length);
      return { loss: r.lossSum / examples.length, correct: r.correct, grads };
    },
    async evaluate(examples) {
      return accumulateShard(c, params, examples, null);
    },
    async close() {},
  };
}

class WorkerPool implements BatchEngine {
  readonly params: Params;
  private readonly workers: Worker[] = [];
  private readonly shardGrads: Float64Array[] = [];
  private readonly flat: Float64Array;
  private readonly grads: Params;
  private readonly waiting = new Map<number, { resolve: (r: ShardResult) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  constructor(
    c: ModelConfig,
    init: Params,
    readonly threads: number,
  ) {
    const shared = sharedCopy(c, init);
    this.params = shared.params;
    this.flat = new Float64Array(flatSize(c));
    this.grads = viewsOver(c, this.flat.buffer);
    for (let k = 0; k < threads; k++) {
      const grads = new SharedArrayBuffer(flatSize(c) * 8);
      this.shardGrads.push(new Float64Array(grads));
      const setup: WorkerSetup = { config: c, params: shared.buffer, grads };
      // From source the worker is TypeScript, and its bootstrap registers the tsx loader in the new thread; in the
      // built package (dist/) this module is JavaScript and so is the worker beside it.
      const worker = import.meta.url.endsWith('.ts') ? './engine-worker-boot.js' : './engine-worker.js';
      const w = new Worker(new URL(worker, import.meta.url), { workerData: setup });
      w.on('message', (m: ShardReply) => this.settle(m));
      w.on('error', (e) => this.failAll(new Error(`a training worker failed: ${e.message}`)));
      w.on('exit', (code) => code !== 0 && this.failAll(new Error(`a training worker exited with code ${code}`)));
      this.workers.push(w);
    }
  }

  private settle(m: ShardReply): void {
    const p = this.waiting.get(m.id);
    if (!p) return;
    this.waiting.delete(m.id);
    if ('error' in m) p.reject(new Error(m.error));
    else p.resolve(m.result);
  }

  private failAll(e: Error): void {
    for (const p of this.waiting.values()) p.reject(e);
    this.waiting.clear();
  }

  private run(kind: ShardRequest['kind'], examples: Example[]): Promise<ShardResult[]> {
    const shards = splitEven(examples, this.threads);
    return Promise.all(
      shards.map(
        (shard, k) =>
          new Promise<ShardResult>((resolve, reject) => {
            const req: ShardRequest = { id: this.nextId++, kind, examples: shard, scale: 1 / examples.length };
            this.waiting.set(req.id, { resolve, reject });
            this.workers[k].postMessage(req);
          }),
      ),
    );
  }

  async gradients(examples: Example[]): Promise<BatchGradients> {
    const results = await this.run('gradients', examples);
    this.flat.set(this.shardGrads[0]);
    for (let k = 1; k < this.threads; k++) {
      const g = this.shardGrads[k];
      for (let i = 0; i < g.length; i++) this.flat[i] += g[i];
    }
    const sum = results.reduce((a, r) => ({ lossSum: a.lossSum + r.lossSum, correct: a.correct + r.correct }), { lossSum: 0, correct: 0 });
    return { loss: sum.lossSum / examples.length, correct: sum.correct, grads: this.grads };
  }

  async evaluate(examples: Example[]): Promise<ShardResult> {
    const results = await this.run('evaluate', examples);
    return results.reduce((a, r) => ({ lossSum: a.lossSum + r.lossSum, correct: a.correct + r.correct }), { lossSum: 0, correct: 0 });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** A batch engine over `threads` threads (1: this thread only). The engine copies `init`. */
export function createEngine(c: ModelConfig, init: Params, threads = 1): BatchEngine {
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer (got ${threads})`);
  return threads === 1 ? singleThread(c, init) : new WorkerPool(c, init, threads);
}

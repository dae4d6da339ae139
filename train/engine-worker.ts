// A training worker: holds views over the shared parameters and its own shared gradient buffer, and answers
// shard requests (see engine.ts) one at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { accumulateShard, viewsOver } from './batch.js';
import type { ShardReply, ShardRequest, WorkerSetup } from './engine.js';

const setup = workerData as WorkerSetup;
const params = viewsOver(setup.config, setup.params);
const flat = new Float64Array(setup.grads);
const grads = viewsOver(setup.config, setup.grads);

parentPort!.on('message', (req: ShardRequest) => {
  let reply: ShardReply;
  try {
    if (req.kind === 'gradients') {
      flat.fill(0);
      reply = { id: req.id, result: accumulateShard(setup.config, params, req.examples, grads, req.scale) };
    } else reply = { id: req.id, result: accumulateShard(setup.config, params, req.examples, null) };
  } catch (e) {
    reply = { id: req.id, error: (e as Error).message };
  }
  parentPort!.postMessage(reply);
});

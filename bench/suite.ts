// The whole fixture suite's wall time on the reference: in process, and through the process protocol (the
// same reference behind a TypeScript adapter in a child process), measured side by side in one run.
import { join } from 'node:path';
import { readGolden } from '../harness/golden.js';
import type { Implementation } from '../harness/implementation.js';
import { ProcessImplementation } from '../harness/impls/process.js';
import { referenceImplementation } from '../harness/impls/reference.js';
import { loadFixtures, ROOT } from '../harness/load.js';
import { runImplementation } from '../harness/runner.js';

const ROUNDS = 3;

async function timeSuite(impl: Implementation): Promise<{ ms: number; claims: number }> {
  const { fixtures } = loadFixtures();
  const t0 = performance.now();
  const run = await runImplementation(impl, fixtures, readGolden, { profile: 'float64' });
  const ms = performance.now() - t0;
  const bad = Object.entries(run.results).filter(([, r]) => r.status === 'fail' || r.status === 'error');
  if (bad.length) throw new Error(`${impl.name}: ${bad.length} claims failed, e.g. ${bad[0][0]}: ${bad[0][1].message}`);
  return { ms, claims: Object.keys(run.results).length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function runSuiteBench(): Promise<void> {
  const inProcess: number[] = [];
  const overProtocol: number[] = [];
  let claims = 0;
  const adapter = await ProcessImplementation.start([process.execPath, '--import', 'tsx', join(ROOT, 'harness', 'testing', 'fake-impl.ts'), 'ok'], { timeoutMs: 120_000, cwd: ROOT });
  try {
    await timeSuite(referenceImplementation); // warm-up of both sides
    await timeSuite(adapter);
    for (let i = 0; i < ROUNDS; i++) {
      const a = await timeSuite(referenceImplementation);
      const b = await timeSuite(adapter);
      inProcess.push(a.ms);
      overProtocol.push(b.ms);
      claims = a.claims;
    }
  } finally {
    await adapter.close();
  }
  const a = median(inProcess);
  const b = median(overProtocol);
  console.log(`claims per run: ${claims}; median of ${ROUNDS} rounds after one warm-up each`);
  console.log(`in process:         ${a.toFixed(0)} ms`);
  console.log(`over the protocol:  ${b.toFixed(0)} ms  (TypeScript adapter in a child process, JSON Lines)`);
  console.log(`protocol overhead:  ${(b / a).toFixed(2)}x  (target < 2x)`);
}

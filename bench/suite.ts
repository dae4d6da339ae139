// The whole fixture suite's wall time on the reference: in process, and through the process protocol (the
// same reference behind a TypeScript adapter in a child process, sending tensors as JSON lists or as base64
// float64 bytes), measured side by side in one run.
import { join } from 'node:path';
import type { Implementation } from '../harness/run/implementation.js';
import { ProcessImplementation } from '../harness/impls/process.js';
import { referenceImplementation } from '../harness/impls/reference.js';
import { loadSuite } from '../harness/fixtures/suite.js';
import { ROOT } from '../harness/paths.js';
import { runImplementation } from '../harness/run/runner.js';

const ROUNDS = 5;

async function timeSuite(impl: Implementation): Promise<{ ms: number; claims: number }> {
  const { suite } = loadSuite();
  const t0 = performance.now();
  const run = await runImplementation(impl, suite!, { profile: 'float64' });
  const ms = performance.now() - t0;
  const bad = Object.entries(run.results).filter(([, r]) => r.status === 'fail' || r.status === 'error');
  if (bad.length) throw new Error(`${impl.name}: ${bad.length} claims failed, e.g. ${bad[0][0]}: ${bad[0][1].message}`);
  return { ms, claims: Object.keys(run.results).length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const adapter = (...flags: string[]) =>
  ProcessImplementation.start([process.execPath, '--import', 'tsx', join(ROOT, 'harness', 'testing', 'fake-impl.ts'), 'ok', ...flags], {
    timeoutMs: 120_000,
    cwd: ROOT,
  });

export async function runSuiteBench(): Promise<void> {
  const peers: Array<{ label: string; impl: Implementation; ms: number[] }> = [
    { label: 'in process', impl: referenceImplementation, ms: [] },
    { label: 'protocol, JSON lists', impl: await adapter(), ms: [] },
    { label: 'protocol, base64 float64', impl: await adapter('--base64'), ms: [] },
  ];
  let claims = 0;
  try {
    for (const p of peers) await timeSuite(p.impl); // warm-up of every side
    for (let i = 0; i < ROUNDS; i++) {
      for (const p of peers) {
        const r = await timeSuite(p.impl);
        p.ms.push(r.ms);
        claims = r.claims;
      }
    }
  } finally {
    for (const p of peers) await p.impl.close?.();
  }
  const base = median(peers[0].ms);
  console.log(`claims per run: ${claims}; median of ${ROUNDS} rounds after one warm-up each; adapter: TypeScript, child process`);
  for (const p of peers) {
    const ms = median(p.ms);
    console.log(
      `${p.label.padEnd(26)} ${ms.toFixed(0).padStart(6)} ms  ${(ms / base).toFixed(2)}x${p === peers[0] ? '' : ' (target < 2x)'}`,
    );
  }
}

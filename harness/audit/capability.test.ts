// Capability claims: the audit against a complete implementation's capabilities, the loader's checks of the claims
// they name, and a conformance run deciding them from the implementation's declared capabilities and results.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../paths.js';
import { referenceImplementation } from '../impls/reference.js';
import { loadFixtures, parseFixture } from '../fixtures/load.js';
import { formatProblem } from '../fixtures/types.js';
import type { Implementation } from '../run/implementation.js';
import { claimRequirements } from '../run/requirements.js';
import { runImplementation } from '../run/runner.js';
import { makeTestSuite, TEST_FIXTURES, type TestSuite } from '../testing/suite.js';
import { auditCapability, COMPLETE } from './capability.js';
import { auditClaim } from './verdict.js';

/** The test suite's one-step training fixture (claims `grad` and `improved`) with the claims given after its own. */
const fixture = (claims: string) => TEST_FIXTURES['c-train.yaml'] + claims;
const HAS_BACKWARD = `  - { id: has-backward, kind: capability, quote: q, requires: { features: [backward, sgd] }, exercised_by: [grad, improved], verdict: ok }
`;

let suite: TestSuite;
beforeAll(async () => {
  suite = await makeTestSuite({ 'c-train.yaml': fixture(HAS_BACKWARD) });
});

/** The reference with some of its declared features taken away, or one traced value spoiled. */
const variant = (o: { without?: string[]; spoil?: string }): Implementation => ({
  ...referenceImplementation,
  capabilities: {
    ...referenceImplementation.capabilities,
    features: referenceImplementation.capabilities.features.filter((f) => !o.without?.includes(f)),
  },
  async run(s, opts) {
    const t = await referenceImplementation.run(s, opts);
    if (o.spoil) t[o.spoil] = { shape: t[o.spoil].shape, data: t[o.spoil].data.map((x) => x + 1) };
    return t;
  },
});

describe('capability claims', () => {
  it('are ok when a complete implementation has what they name, an erratum without a fix when it lacks it', () => {
    const lf = suite.fixtures[0];
    const c = lf.fixture.claims[2];
    const a = auditClaim(lf, c, suite.goldenOf('c-train'));
    expect(a.verdict).toBe('ok');
    expect(a.reason).toMatch(/feature backward, feature sgd; exercised by grad, improved/);
    const base = { ...a, elements: [] };
    const lacking = auditCapability(
      { c, golden: null, where: 'cap.yaml', graph: null as never, base },
      { ops: COMPLETE.ops, features: ['forward', 'sgd'] },
    );
    expect(lacking).toMatchObject({ verdict: 'erratum', error_kind: 'missing-capability', correct: null });
    expect(lacking.no_fix).toBeTruthy();
  });

  it("take a complete implementation's capabilities to be the reference's, every op and feature of the protocol", () => {
    const caps = referenceImplementation.capabilities;
    expect([...caps.ops].sort()).toEqual([...COMPLETE.ops].sort());
    expect([...caps.features].sort()).toEqual([...COMPLETE.features].sort());
    // the fixture schema names exactly the protocol's features
    const schema = JSON.parse(readFileSync(join(ROOT, 'spec', 'fixture.schema.json'), 'utf8'));
    expect(schema.$defs.claim.properties.requires.properties.features.items.enum).toEqual([...COMPLETE.features]);
  });

  it('name claims of their fixture that read a trace path', () => {
    const bad = `  - { id: x, kind: capability, quote: q, requires: { features: [backward] }, exercised_by: [grad, nope, x], verdict: ok }
  - { id: e, kind: value, quote: q, expr: "1", printed: "1", verdict: ok }
  - { id: y, kind: capability, quote: q, requires: { features: [teleport] }, exercised_by: [e], verdict: ok }
`;
    const problems = parseFixture(fixture(bad), 'cap.yaml').problems.map(formatProblem);
    expect(problems).toEqual([expect.stringMatching(/^cap\.yaml:\d+: claims\[4\]\.requires\.features\[0\]: must be equal to one of/)]);
    const words = parseFixture(fixture(bad.replace('teleport', 'adam')), 'cap.yaml').problems.map(formatProblem);
    expect(words).toEqual([
      expect.stringMatching(/claims\[2\]\.exercised_by\[1\]: no claim 'nope' in this fixture/),
      expect.stringMatching(/claims\[2\]\.exercised_by\[2\]: 'x' is a capability claim/),
      expect.stringMatching(/claims\[4\]\.exercised_by\[0\]: 'e' reads no trace path/),
    ]);
  });

  it('pass in a run when declared and exercised, skip when not declared or not run, fail when an exercising claim fails', async () => {
    const run = async (impl: Implementation, filter?: string[]) =>
      (await runImplementation(impl, suite, { profile: 'float64', filter })).results['c-train/has-backward'];
    expect(await run(referenceImplementation)).toMatchObject({ status: 'pass' });
    expect(await run(variant({ without: ['backward'] }))).toMatchObject({ status: 'skip', missing: ['feature backward'] });
    const failed = await run(variant({ spoil: 't/grad.head.W_out' }));
    expect(failed).toMatchObject({ status: 'fail', message: expect.stringMatching(/grad \(fail\)/) });
    expect(await run(referenceImplementation, ['c-train/has-backward'])).toMatchObject({
      status: 'skip',
      message: expect.stringMatching(/grad \(not run\), improved \(not run\)/),
    });
  });

  it('of the suite name claims that need every feature they claim (so passing them exercises it)', () => {
    const { fixtures } = loadFixtures(undefined, 'sunfish');
    let checked = 0;
    for (const lf of fixtures)
      for (const c of lf.fixture.claims.filter((x) => x.kind === 'capability'))
        for (const id of c.exercised_by ?? []) {
          const req = claimRequirements(lf.fixture, lf.fixture.claims.find((x) => x.id === id)!);
          expect(req, `${c.id} → ${id}`).not.toBeNull();
          expect(req!.features, `${c.id} → ${id}`).toEqual(expect.arrayContaining(c.requires?.features ?? []));
          expect(req!.ops, `${c.id} → ${id}`).toEqual(expect.arrayContaining(c.requires?.ops ?? []));
          checked++;
        }
    expect(checked).toBeGreaterThan(0);
  });
});

// JUnit XML for CI systems: one <testsuite> per implementation and fixture, one <testcase> per claim.
import junit, { type Builder } from 'junit-report-builder';

// A CommonJS package: under NodeNext its default export (a builder) arrives as the module object's `default`.
const root = ((junit as unknown as { default?: Builder }).default ?? junit) as unknown as Builder;
import type { RunReport } from './build.js';

export function renderJUnit(report: RunReport): string {
  const b = root.newBuilder();
  for (const impl of report.implementations) {
    const byFixture = new Map<string, RunReport['claims']>();
    for (const c of report.claims) if (c.results[impl.name]) byFixture.set(c.fixture, [...(byFixture.get(c.fixture) ?? []), c]);
    for (const [fixture, claims] of byFixture) {
      const suite = b
        .testSuite()
        .name(`${impl.name}: ${fixture}`)
        .property('implementation', impl.name)
        .property('profile', report.profile)
        .property('complete', String(report.complete));
      for (const c of claims) {
        const r = c.results[impl.name];
        const tc = suite.testCase().className(`${impl.name}.${fixture}`).name(c.id).file(`${c.file}:${c.line}`);
        const detail = [
          `quote: ${c.quote}`,
          c.printed !== null ? `printed: ${JSON.stringify(c.printed)}` : '',
          r.max_abs_error !== undefined
            ? `max abs error ${r.max_abs_error}, max rel error ${r.max_rel_error}, worst index [${r.worst_index}]`
            : '',
          c.audit ? `audit: ${c.audit.verdict}${c.audit.error_kind ? ` (${c.audit.error_kind})` : ''}` : '',
        ]
          .filter(Boolean)
          .join('\n');
        // Exactly one outcome per test case: stacktrace() would mark an error as a failure too.
        if (r.status === 'fail') tc.failure(r.message ?? 'outside tolerance', 'conformance').stacktrace(detail);
        else if (r.status === 'error') tc.error(r.message ?? 'error', 'error', detail);
        else if (r.status === 'skip' || r.status === 'not-applicable') tc.skipped().standardOutput(`${r.status}: ${r.message ?? ''}`);
        else tc.standardOutput(detail);
      }
    }
  }
  return b.build();
}

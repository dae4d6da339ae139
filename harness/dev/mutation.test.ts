import { describe, expect, it } from 'vitest';
import { renderMutationReport, summarise, withRetests, type StrykerReport } from './mutation.js';

const at = (line: number, c0: number, c1: number) => ({ start: { line, column: c0 }, end: { line, column: c1 } });

/** A small report in Stryker's schema: one file with a mutant of every status that counts. */
const report = {
  schemaVersion: '1',
  thresholds: { high: 80, low: 60 },
  files: {
    'reference/relu.ts': {
      language: 'typescript',
      source: 'const y = x > 0 ? x : 0;\nconst d = a | b;\n',
      mutants: [
        { id: '1', mutatorName: 'EqualityOperator', replacement: 'x >= 0', location: at(1, 11, 16), status: 'Survived' },
        { id: '2', mutatorName: 'ConditionalExpression', replacement: 'true', location: at(1, 11, 16), status: 'Killed' },
        { id: '3', mutatorName: 'ConditionalExpression', replacement: 'false', location: at(1, 11, 16), status: 'Timeout' },
        { id: '4', mutatorName: 'ArithmeticOperator', replacement: 'a & b', location: at(2, 11, 16), status: 'NoCoverage' },
        { id: '5', mutatorName: 'StringLiteral', replacement: '""', location: at(2, 11, 16), status: 'CompileError' },
      ],
    },
  },
} as unknown as StrykerReport;

describe('the mutation report', () => {
  const judged = [
    { file: 'reference/relu.ts', line: 1, replacement: 'x >= 0', why: 'at x = 0 both branches give 0' },
    { file: 'reference/relu.ts', line: 9, replacement: 'gone', why: 'moved away' },
  ];
  const s = summarise(report, judged);

  it('counts as Stryker does: (killed + timeout) / valid, compile errors left out', () => {
    expect(s.total.killed).toBe(1);
    expect(s.total.timeout).toBe(1);
    expect(s.total.totalValid).toBe(4);
    expect(s.total.totalInvalid).toBe(1);
    expect(s.total.mutationScore).toBe(50);
    expect(s.scoreWithoutEquivalent).toBeCloseTo((100 * 2) / 3, 12);
    expect(s.files.map((f) => f.file)).toEqual(['reference/relu.ts']);
  });

  it('lists every undetected mutant with the code it replaced and its judgment, and the stale judgments', () => {
    expect(s.undetected).toEqual([
      {
        file: 'reference/relu.ts',
        line: 1,
        mutator: 'EqualityOperator',
        original: 'x > 0',
        replacement: 'x >= 0',
        status: 'Survived',
        why: 'at x = 0 both branches give 0',
      },
      {
        file: 'reference/relu.ts',
        line: 2,
        mutator: 'ArithmeticOperator',
        original: 'a | b',
        replacement: 'a & b',
        status: 'NoCoverage',
        why: null,
      },
    ]);
    expect(s.stale).toEqual([judged[1]]);
  });

  it('renders the score, the table and the undetected mutants, escaping table pipes', () => {
    const md = renderMutationReport(s, '(Stryker 9)');
    expect(md).toContain('**Mutation score: 50.00%** (2 of 4 valid mutants detected');
    expect(md).toContain('With the 1 undetected mutant(s) judged equivalent left out: 66.67%. Not judged: 1.');
    expect(md).toContain('| reference/relu.ts:2 | ArithmeticOperator (no coverage) | `a \\| b` | `a & b` | **not judged** |');
    expect(md).toContain('stale; the code or the tests moved): reference/relu.ts:9 `gone`');
  });

  it("takes a later partial run's results in place of the full run's, and refuses one made on other source", () => {
    const f = report.files['reference/relu.ts'];
    const part = { ...report, files: { 'reference/relu.ts': { ...f, mutants: [{ ...f.mutants[0], status: 'Killed' }] } } } as StrykerReport;
    const again = { ...part, files: { 'reference/relu.ts': { ...f, mutants: [{ ...f.mutants[0], status: 'Timeout' }] } } } as StrykerReport;
    expect(summarise(report, [], [again, part]).retested).toEqual({ Killed: 1 }); // retested twice: counted once, the later result
    const later = summarise(report, [], [part]);
    expect(later.retested).toEqual({ Killed: 1 });
    expect(later.total.killed).toBe(2);
    expect(later.undetected.map((u) => u.line)).toEqual([2]);
    expect(report.files['reference/relu.ts'].mutants[0].status).toBe('Survived'); // the full report is not modified
    expect(renderMutationReport(later, '(Stryker 9)')).toContain('Retested after the full run');
    const moved = {
      ...report,
      files: { 'reference/relu.ts': { ...f, source: `// a comment\n${f.source}`, mutants: [] } },
    } as StrykerReport;
    expect(() => withRetests(report, [moved])).toThrow(/other source than the full run/);
    const unknown = {
      ...report,
      files: { 'reference/relu.ts': { ...f, mutants: [{ ...f.mutants[0], replacement: 'x < 0' }] } },
    } as StrykerReport;
    expect(() => withRetests(report, [unknown])).toThrow(/reference\/relu.ts:1: mutant EqualityOperator 'x < 0' is not in the full run/);
  });
});

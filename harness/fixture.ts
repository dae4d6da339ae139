// The shape of a fixture file (spec/fixture.schema.json), as the harness sees it after loading.
import type { ModelScenario, OpsScenario } from './scenario.js';

/** The document's printed string(s): a string, or nested lists of strings shaped like the value. */
export type Printed = string | Printed[];

export type Verdict = 'ok' | 'rounding' | 'erratum' | 'unverifiable' | 'derived';
export type ClaimKind = 'value' | 'relation' | 'shape' | 'count' | 'derived' | 'unverifiable';
export type RelationKind = 'increased' | 'decreased' | 'equal' | 'sums-to-one' | 'close' | 'at-least' | 'negative' | 'positive';

/** Where a claim's value comes from: a trace path (and prefix index), or exact arithmetic on given numbers. */
export interface ValueRef {
  path?: string;
  at?: number[];
  expr?: string;
}

export interface Operand extends ValueRef {
  printed?: Printed;
}

export interface Claim extends ValueRef {
  id: string;
  kind: ClaimKind;
  section?: string;
  quote: string;
  printed?: Printed;
  worksheet?: Printed;
  relation?: RelationKind;
  of?: Operand[];
  within?: number;
  missing?: string;
  derived_from?: string;
  tolerance?: { atol?: number; rtol?: number };
  verdict: Verdict;
  error_kind?: string;
  reason?: string;
}

/** Claims against a committed training log (reports/training/…/*.json, written by `tconf train`). */
export interface MeasurementScenario {
  kind: 'measurement';
  log: string;
}

export interface Fixture {
  id: string;
  title: string;
  document: boolean;
  seed?: string;
  section?: string;
  tags?: string[];
  readings?: string[];
  scenario: ModelScenario | OpsScenario | { kind: 'none' } | MeasurementScenario;
  claims: Claim[];
}

/** A fixture as loaded, with where it came from and the line of each claim. */
export interface LoadedFixture {
  file: string;
  fixture: Fixture;
  claimLines: Record<string, number>;
}

/** A problem in a fixture file, located by file, line and field (a JSON-pointer-like path). */
export interface Problem {
  file: string;
  line: number;
  field: string;
  message: string;
}

export const formatProblem = (p: Problem): string => `${p.file}:${p.line}: ${p.field || '(top level)'}: ${p.message}`;

/** The global id of a claim. */
export const claimId = (f: Fixture, c: Claim): string => `${f.id}/${c.id}`;

/** Short names of the seed documents (shared/seeds/README.md), by file-name prefix. */
const DOCUMENTS: Record<string, string> = { '000': 'Fibonacci note', '001': 'Stage 10', '002': 'Sunfish summary', '003': 'Book', '004': 'Book Example 3 (Markdown)' };

/** The document section a fixture belongs to, as summaries group it: "Book §5.7", or "synthetic". */
export function sectionLabel(f: Fixture): string {
  if (!f.document || !f.seed) return 'synthetic (not from the documents)';
  return `${DOCUMENTS[f.seed.slice(0, 3)] ?? f.seed} §${f.section}`;
}

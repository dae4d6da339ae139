// `tconf validate`: schema and semantic checks of the fixtures only (file, line and field for every problem).
import { suiteOrExit } from './suite.js';

export function validateCommand(o: { files?: string }): void {
  const { fixtures } = suiteOrExit({ only: o.files });
  console.log(`${fixtures.length} fixture(s), ${fixtures.reduce((n, f) => n + f.fixture.claims.length, 0)} claim(s): valid`);
}

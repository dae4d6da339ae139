// `npm run mutation:report [-- partial.json …]`: writes reports/mutation.md from the last `npm run mutation` (and
// later partial runs' results) and the judgments of stryker.equivalents.yaml; exits 1 while an undetected mutant
// has no judgment.
import { writeMutationReport } from './mutation.js';
import { ROOT } from '../paths.js';

const s = writeMutationReport(ROOT, process.argv.slice(2));
const open = s.undetected.filter((u) => u.why === null).length;
const t = s.total;
console.log(
  `mutation score ${t.mutationScore.toFixed(2)}% (${t.totalDetected}/${t.totalValid}); ` +
    `${s.undetected.length - open} undetected judged equivalent, ${open} not judged; wrote reports/mutation.md`,
);
if (open || s.stale.length) process.exitCode = 1;

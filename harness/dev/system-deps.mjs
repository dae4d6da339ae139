// The Debian packages the tests need beyond npm's: Chromium (the HTML report is checked in a real browser) and
// python3-numpy and python3-torch (the Python example implementations speak the process protocol). Run before
// `npm test` (its pretest): as root on Debian it installs what is missing; otherwise it names the command to run.
// TCONF_SKIP_SYSTEM_DEPS=1 skips the check (the tests that need a missing package then fail or skip, saying why).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const pythonHas = (module) =>
  ['python3', '/usr/bin/python3'].some((py) => spawnSync(py, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0);

const missing = () =>
  [
    existsSync('/usr/bin/chromium') ? null : 'chromium',
    pythonHas('numpy') ? null : 'python3-numpy',
    pythonHas('torch') ? null : 'python3-torch',
  ].filter(Boolean);

if (process.env.TCONF_SKIP_SYSTEM_DEPS !== '1') {
  const need = missing();
  if (need.length) {
    const install = ['install', '-y', '-qq', '--no-install-recommends', ...need];
    if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
      console.log(`installing Debian packages: ${need.join(' ')}`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      for (const args of [['update', '-qq'], install]) {
        const r = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env });
        if (r.status !== 0) {
          console.error(`apt-get ${args.join(' ')} failed (exit ${r.status})`);
          process.exit(1);
        }
      }
      const still = missing();
      if (still.length) {
        console.error(`still missing after apt-get: ${still.join(' ')}`);
        process.exit(1);
      }
    } else {
      console.error(
        `The tests need Debian packages that are missing: ${need.join(', ')}. Install them with\n` +
          `  sudo apt-get install -y --no-install-recommends ${need.join(' ')}\n` +
          'then run npm test again (or TCONF_SKIP_SYSTEM_DEPS=1 npm test to run without them).',
      );
      process.exit(1);
    }
  }
}

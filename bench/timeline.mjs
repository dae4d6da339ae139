// Preloaded into a `tconf` child by the suite bench (`node --import bench/timeline.mjs …`): at exit, the
// process's `tconf:` performance marks (start-up, loaded, writing, written) on one stderr line, so the bench can
// split a command-line run's wall time without the command carrying any bench option.
process.on('exit', () => {
  const marks = Object.fromEntries(
    performance
      .getEntriesByType('mark')
      .filter((m) => m.name.startsWith('tconf:'))
      .map((m) => [m.name.slice(6), { at: m.startTime, detail: m.detail }]),
  );
  process.stderr.write(`\ntconf-timeline ${JSON.stringify({ marks, exit: performance.now() })}\n`);
});

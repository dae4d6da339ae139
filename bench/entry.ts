// One benchmark in a process of its own (see run.ts): `node --import tsx bench/entry.ts training|suite|parallel`.
const which = process.argv[2];
if (which === 'training') await (await import('./training.js')).runTrainingBench();
else if (which === 'suite') await (await import('./suite.js')).runSuiteBench();
else if (which === 'parallel') await (await import('./parallel.js')).runParallelBench();
else throw new Error(`unknown benchmark '${which}' (training, suite, parallel)`);

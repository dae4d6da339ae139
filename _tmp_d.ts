const t0 = performance.now();
await import('./examples/tfjs/model.js');
console.log('import ms', performance.now() - t0);

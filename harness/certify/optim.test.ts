// The optimizers in decimal arithmetic: the reference's Adam defaults, and small cases worked by hand.
import { describe, expect, it } from 'vitest';
import { ADAM_DEFAULTS as REF_DEFAULTS } from '../../reference/optim.js';
import { Decimal } from '../exact.js';
import { ADAM_DEFAULTS, adamInit, adamStep, clipGradNorm, momentumStep, sgdStep } from './optim.js';
import type { Params } from './params.js';

const d = (x: number | string) => new Decimal(x);
const p = (...xs: number[]): Params => ({ w: [xs.map(d)] });
const values = (ps: Params) => ps.w[0].map((x) => x.toString());

describe("the certifier's optimizers", () => {
  it("Adam's defaults are the reference's", () => {
    expect({ ...ADAM_DEFAULTS }).toEqual(REF_DEFAULTS);
  });

  it('SGD and momentum: w − lr·g, then v = β v + g', () => {
    const w = p(1, -2);
    sgdStep(w, p(0.5, 0.1), ['w'], { lr: d('0.1') });
    expect(values(w)).toEqual(['0.95', '-2.01']);
    const v: Params = {};
    const m = p(1);
    momentumStep(m, p(1), ['w'], { lr: d('0.1'), beta: d('0.9'), velocity: v });
    momentumStep(m, p(1), ['w'], { lr: d('0.1'), beta: d('0.9'), velocity: v });
    expect(values(v)).toEqual(['1.9']);
    expect(values(m)).toEqual(['0.71']);
  });

  it("Adam's first step moves each weight by lr·g/(|g| + ε·…) ≈ lr, whatever the size of g", () => {
    const w = p(0, 0);
    const s = adamInit();
    adamStep(w, p(1e-3, -50), ['w'], { state: s, hyper: { lr: d('0.01'), beta1: d('0.9'), beta2: d('0.999'), eps: d(0) } });
    expect(s.step).toBe(1);
    expect(values(w)).toEqual(['-0.01', '0.01']);
  });

  it('clipping scales by max/‖g‖ only when ‖g‖ exceeds it, and returns the norm before', () => {
    const g = p(3, 4);
    expect(clipGradNorm(g, d(1), ['w']).toString()).toBe('5');
    expect(values(g)).toEqual(['0.6', '0.8']);
    const small = p(0.3, 0.4);
    expect(clipGradNorm(small, d(1), ['w']).toString()).toBe('0.5');
    expect(values(small)).toEqual(['0.3', '0.4']);
  });
});

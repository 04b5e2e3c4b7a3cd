import { describe, expect, it } from 'vitest';
import { makeSurrogate, type SurrogateKind } from './surrogates.ts';

const KINDS: SurrogateKind[] = ['arctan', 'fastSigmoid', 'slayerExp'];
const ALPHAS = [0.3, 2, 7.5];

describe.each(KINDS)('surrogate %s', (kind) => {
  it.each(ALPHAS)('df is the derivative of f (central differences), alpha %s', (alpha) => {
    const s = makeSurrogate({ kind, alpha });
    const h = 1e-5 / alpha;
    for (let k = -60; k <= 60; k++) {
      const x = ((k + 0.37) / 10) * (2 / alpha); // many points across the transition, avoiding 0 exactly
      const numeric = (s.f(x + h) - s.f(x - h)) / (2 * h);
      const analytic = s.df(x);
      expect(Math.abs(numeric - analytic)).toBeLessThan(1e-6 * alpha);
    }
    // At 0 as well (f is C1 there for every kind).
    const at0 = (s.f(h) - s.f(-h)) / (2 * h);
    expect(Math.abs(at0 - s.df(0))).toBeLessThan(1e-5 * alpha);
  });

  it.each(ALPHAS)('f goes from 0 to 1, f(0) = 1/2, df peaks at alpha / 2 = df(0), alpha %s', (alpha) => {
    const s = makeSurrogate({ kind, alpha });
    expect(s.f(0)).toBeCloseTo(0.5, 15);
    expect(s.f(-1e9)).toBeLessThan(1e-8);
    expect(s.f(-1e9)).toBeGreaterThanOrEqual(0);
    expect(s.f(1e9)).toBeGreaterThan(1 - 1e-8);
    expect(s.f(1e9)).toBeLessThanOrEqual(1);
    expect(s.df(0)).toBeCloseTo(alpha / 2, 14);
    let prev = -Infinity;
    for (let x = -10; x <= 10; x += 0.01) {
      const d = s.df(x);
      expect(d).toBeGreaterThan(0);
      expect(d).toBeLessThanOrEqual(alpha / 2);
      expect(d).toBeCloseTo(s.df(-x), 14); // symmetric
      const fx = s.f(x);
      // Increasing (strictly where it has not saturated in floating point).
      if (Math.abs(x) < 2 / alpha) expect(fx).toBeGreaterThan(prev);
      else expect(fx).toBeGreaterThanOrEqual(prev);
      prev = fx;
    }
  });

  it('is sharper for a larger alpha', () => {
    const wide = makeSurrogate({ kind, alpha: 1 });
    const sharp = makeSurrogate({ kind, alpha: 10 });
    expect(sharp.df(1)).toBeLessThan(wide.df(1));
    expect(sharp.f(0.5)).toBeGreaterThan(wide.f(0.5));
  });
});

describe('surrogate closed forms', () => {
  it('arctan: df = (a/2) / (1 + (pi a x / 2)^2)', () => {
    const s = makeSurrogate({ kind: 'arctan', alpha: 2 });
    expect(s.df(1)).toBeCloseTo(1 / (1 + Math.PI * Math.PI), 14);
    expect(s.f(-Infinity)).toBe(0);
    expect(s.f(Infinity)).toBe(1);
  });

  it('fastSigmoid: df = (a/2) / (1 + a|x|)^2', () => {
    const s = makeSurrogate({ kind: 'fastSigmoid', alpha: 4 });
    expect(s.df(0.5)).toBeCloseTo(2 / 9, 14);
    expect(s.df(-0.5)).toBeCloseTo(2 / 9, 14);
    expect(s.f(0.5)).toBeCloseTo(0.5 + 1 / 3, 14);
  });

  it('slayerExp: df = (a/2) exp(-a|x|)', () => {
    const s = makeSurrogate({ kind: 'slayerExp', alpha: 3 });
    expect(s.df(2)).toBeCloseTo(1.5 * Math.exp(-6), 14);
    expect(s.f(-1)).toBeCloseTo(0.5 * Math.exp(-3), 14);
    expect(s.f(-Infinity)).toBe(0);
    expect(s.f(Infinity)).toBe(1);
  });
});

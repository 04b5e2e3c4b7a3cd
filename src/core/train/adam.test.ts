import { describe, expect, it } from 'vitest';
import { AdamState } from './adam.ts';

const HYPER = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

describe('AdamState', () => {
  it('first step: bias correction makes the update lr * g / (|g| + eps)', () => {
    const adam = new AdamState(3);
    const params = Float64Array.from([1, -2, 0.5]);
    const grads = Float64Array.from([0.5, -0.1, 0]);
    adam.apply(params, grads, 0.1, HYPER);
    expect(adam.step).toBe(1);
    expect(params[0]).toBeCloseTo(1 - (0.1 * 0.5) / (0.5 + 1e-8), 14);
    expect(params[1]).toBeCloseTo(-2 + (0.1 * 0.1) / (0.1 + 1e-8), 14);
    expect(params[2]).toBe(0.5); // zero gradient: no move
    expect(adam.m[0]).toBeCloseTo(0.05, 15);
    expect(adam.v[0]).toBeCloseTo(0.001 * 0.25, 15);
  });

  it('second step by hand', () => {
    const adam = new AdamState(1);
    const p = Float64Array.from([3]);
    const b1 = 0.8;
    const b2 = 0.99;
    const eps = 1e-3;
    const hyper = { beta1: b1, beta2: b2, epsilon: eps };
    adam.apply(p, Float64Array.from([2]), 0.5, hyper);
    const m1 = (1 - b1) * 2;
    const v1 = (1 - b2) * 4;
    const p1 = 3 - (0.5 * (m1 / (1 - b1))) / (Math.sqrt(v1 / (1 - b2)) + eps);
    expect(p[0]).toBeCloseTo(p1, 14);
    adam.apply(p, Float64Array.from([-1]), 0.5, hyper);
    const m2 = b1 * m1 + (1 - b1) * -1;
    const v2 = b2 * v1 + (1 - b2) * 1;
    const p2 = p1 - (0.5 * (m2 / (1 - b1 * b1))) / (Math.sqrt(v2 / (1 - b2 * b2)) + eps);
    expect(p[0]).toBeCloseTo(p2, 14);
    expect(adam.m[0]).toBeCloseTo(m2, 15);
    expect(adam.v[0]).toBeCloseTo(v2, 15);
    expect(adam.step).toBe(2);
  });

  it('AMSGrad divides by the largest second moment so far (uncorrected, as PyTorch keeps it)', () => {
    const ams = new AdamState(1);
    const plain = new AdamState(1);
    const pa = Float64Array.from([1]);
    const pp = Float64Array.from([1]);
    const hyper = { beta1: 0.5, beta2: 0.5, epsilon: 1e-3, amsgrad: true };
    let m = 0;
    let v = 0;
    let vMax = 0;
    let expected = 1;
    // A large gradient, then small ones: v falls, AMSGrad's denominator does not.
    [4, 0.5, 0.5].forEach((g, i) => {
      const step = i + 1;
      ams.apply(pa, Float64Array.from([g]), 0.1, hyper);
      plain.apply(pp, Float64Array.from([g]), 0.1, { ...hyper, amsgrad: false });
      m = 0.5 * m + 0.5 * g;
      v = 0.5 * v + 0.5 * g * g;
      vMax = Math.max(vMax, v);
      expected -= (0.1 * m) / (1 - 0.5 ** step) / (Math.sqrt(vMax / (1 - 0.5 ** step)) + 1e-3);
      expect(pa[0]).toBeCloseTo(expected, 14);
      expect(ams.vMax![0]).toBeCloseTo(vMax, 15);
      expect(ams.v[0]).toBeCloseTo(v, 15);
    });
    expect(vMax).toBeGreaterThan(v);
    // The first step is Adam's; afterwards the steps are smaller than plain Adam's.
    expect(1 - pa[0]!).toBeLessThan(1 - pp[0]!);
    expect(plain.vMax).toBeNull();
  });

  it('each case (every parameter or listed ones; Adam or AMSGrad) steps bit for bit as the formula', () => {
    const size = 40;
    const indices = Int32Array.from({ length: 25 }, (_, k) => k + (k >> 1) - (k >> 2));
    for (const amsgrad of [false, true]) {
      for (const listed of [null, indices]) {
        const hyper = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, amsgrad };
        const adam = new AdamState(size, listed);
        const params = Float32Array.from({ length: size }, (_, q) => Math.sin(q) * 3);
        const expected = Float32Array.from(params);
        const kept = listed ?? Int32Array.from({ length: size }, (_, q) => q);
        const m = new Float64Array(kept.length);
        const v = new Float64Array(kept.length);
        const vMax = new Float64Array(kept.length);
        for (let step = 1; step <= 12; step++) {
          // Gradients over four orders of magnitude, some exactly 0.
          const grads = Float32Array.from({ length: size }, (_, q) =>
            (q + step) % 5 === 0 ? 0 : Math.cos(q * step) * 10 ** ((q % 5) - 2),
          );
          adam.apply(params, grads, 0.01, hyper);
          kept.forEach((q, k) => {
            const g = grads[q]!;
            m[k] = 0.9 * m[k]! + (1 - 0.9) * g;
            v[k] = 0.999 * v[k]! + (1 - 0.999) * g * g;
            vMax[k] = Math.max(vMax[k]!, v[k]!);
            const second = amsgrad ? vMax[k]! : v[k]!;
            expected[q]! -=
              (0.01 * m[k]! * (1 / (1 - 0.9 ** step))) /
              (Math.sqrt(second * (1 / (1 - 0.999 ** step))) + 1e-8);
          });
          const label = `${amsgrad ? 'AMSGrad' : 'Adam'}, ${listed ? 'listed' : 'all'}, step ${step}`;
          expect(Array.from(params), label).toEqual(Array.from(expected));
          expect(Array.from(adam.m), label).toEqual(Array.from(m));
          expect(Array.from(adam.v), label).toEqual(Array.from(v));
          if (amsgrad) expect(Array.from(adam.vMax!), label).toEqual(Array.from(vMax));
        }
      }
    }
  });

  it('updates Float32 parameters in place', () => {
    const adam = new AdamState(2);
    const p = Float32Array.from([1, 1]);
    adam.apply(p, Float32Array.from([1, -1]), 0.25, HYPER);
    expect(p[0]).toBeCloseTo(0.75, 6);
    expect(p[1]).toBeCloseTo(1.25, 6);
  });

  it('converges on an ill-conditioned quadratic', () => {
    // f(x) = sum_i a_i (x_i - c_i)^2 with curvatures spanning four orders of magnitude.
    const a = [100, 1, 0.01, 3];
    const c = [1, -2, 0.5, 4];
    const x = new Float64Array(4);
    const g = new Float64Array(4);
    const adam = new AdamState(4);
    const f = (): number => a.reduce((s, ai, i) => s + ai * (x[i]! - c[i]!) ** 2, 0);
    const f0 = f();
    for (let step = 0; step < 3000; step++) {
      const lr = step < 2000 ? 0.05 : 0.005;
      for (let i = 0; i < 4; i++) g[i] = 2 * a[i]! * (x[i]! - c[i]!);
      adam.apply(x, g, lr, HYPER);
    }
    for (let i = 0; i < 4; i++) expect(Math.abs(x[i]! - c[i]!), `x${i}`).toBeLessThan(1e-2);
    expect(f()).toBeLessThan(1e-6 * f0);
  });

  it('keeps moments for listed parameters only, and steps exactly as the full optimiser where the others get no gradient', () => {
    const size = 12;
    const indices = Int32Array.from([1, 4, 5, 11]);
    const full = new AdamState(size);
    const kept = new AdamState(size, indices);
    expect(kept.m.length).toBe(4);
    const a = Float64Array.from({ length: size }, (_, q) => (indices.includes(q) ? 0.3 * q - 1 : 0));
    const b = Float64Array.from(a);
    for (let step = 1; step <= 25; step++) {
      // Absent parameters get gradient 0, as a masked layer's absent synapses do.
      const g = Float64Array.from({ length: size }, (_, q) =>
        indices.includes(q) ? Math.sin(step * (q + 1)) : 0,
      );
      full.apply(a, g, 0.05, HYPER);
      kept.apply(b, g, 0.05, HYPER);
    }
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(Array.from(kept.dense(kept.m))).toEqual(Array.from(full.m));
    expect(Array.from(kept.dense(kept.v))).toEqual(Array.from(full.v));
    // Round trip through the full-size form (checkpoints), and a form it could not have made.
    const back = new AdamState(size, indices);
    back.setDense(back.m, full.m);
    expect(Array.from(back.m)).toEqual(Array.from(kept.m));
    const foreign = Float64Array.from(full.m);
    foreign[0] = 0.5;
    expect(() => back.setDense(back.m, foreign)).toThrow(
      /1 saved moments belong to synapses the mask leaves out/,
    );
    expect(() => back.setDense(back.m, new Float64Array(3))).toThrow(/saved 3 values, the network has 12/);
  });
});

import { describe, expect, it } from 'vitest';
import { Rng } from './rng.ts';

/** An independent sfc32 (PractRand's "small fast counting" generator) seeded by splitmix32, as documented. */
function referenceStream(seed: number, count: number): number[] {
  let s = seed >>> 0;
  const splitmix = (): number => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = splitmix();
  let b = splitmix();
  let c = splitmix();
  let counter = splitmix();
  const sfc32 = (): number => {
    const t = (a + b + counter) >>> 0;
    counter = (counter + 1) >>> 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) >>> 0;
    c = ((c << 21) | (c >>> 11)) >>> 0;
    c = (c + t) >>> 0;
    return t;
  };
  for (let i = 0; i < 12; i++) sfc32();
  return Array.from({ length: count }, sfc32);
}

function draws(rng: Rng, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextUint32());
}

describe('Rng', () => {
  it('is sfc32 seeded through splitmix32 (independent reference implementation)', () => {
    for (const seed of [0, 1, 42, 0xdeadbeef, 0xffffffff]) {
      expect(draws(new Rng(seed), 1000)).toEqual(referenceStream(seed, 1000));
    }
  });

  it('keeps its stream fixed across versions (pinned values: a seed must reproduce old runs)', () => {
    expect(draws(new Rng(0), 3)).toEqual([4205396811, 3543653536, 1222415357]);
    expect(draws(new Rng(12345), 3)).toEqual([2345461488, 1344865159, 2974739204]);
  });

  it('gives the same stream for the same seed, for every kind of draw', () => {
    const a = new Rng(2024);
    const b = new Rng(2024);
    for (let i = 0; i < 500; i++) {
      expect(a.uniform()).toBe(b.uniform());
      expect(a.normal(1, 3)).toBe(b.normal(1, 3));
      expect(a.int(17)).toBe(b.int(17));
      expect(a.bernoulli(0.3)).toBe(b.bernoulli(0.3));
    }
  });

  it('gives unrelated streams for different (even neighbouring) seeds', () => {
    for (const [s1, s2] of [
      [0, 1],
      [1, 2],
      [41, 42],
      [1000, 1001],
    ] as const) {
      const x = draws(new Rng(s1), 200);
      const y = draws(new Rng(s2), 200);
      const same = x.filter((v, i) => v === y[i]).length;
      expect(same).toBe(0);
      // Uniforms from the two seeds are uncorrelated.
      const u = x.map((v) => v / 2 ** 32 - 0.5);
      const w = y.map((v) => v / 2 ** 32 - 0.5);
      const corr = u.reduce((acc, v, i) => acc + v * w[i]!, 0) / (200 / 12);
      expect(Math.abs(corr)).toBeLessThan(0.3);
    }
  });

  it('draws uniforms in [0, 1) with mean 1/2 and variance 1/12', () => {
    const rng = new Rng(7);
    const n = 50_000;
    let s = 0;
    let s2 = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      s += u;
      s2 += u * u;
      lo = Math.min(lo, u);
      hi = Math.max(hi, u);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    expect(lo).toBeLessThan(0.001);
    expect(hi).toBeGreaterThan(0.999);
    const mean = s / n;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(s2 / n - mean * mean).toBeCloseTo(1 / 12, 2);
  });

  it('uniform() maps the largest 32-bit value below 1', () => {
    expect(0xffffffff / 4294967296).toBeLessThan(1);
  });

  it('uniformIn and int stay in range and cover it', () => {
    const rng = new Rng(3);
    const hits = new Array<number>(7).fill(0);
    for (let i = 0; i < 7000; i++) {
      const x = rng.uniformIn(-2, 5);
      expect(x).toBeGreaterThanOrEqual(-2);
      expect(x).toBeLessThan(5);
      const k = rng.int(7);
      expect(Number.isInteger(k)).toBe(true);
      hits[k]!++;
    }
    for (const h of hits) expect(Math.abs(h - 1000)).toBeLessThan(150);
  });

  it('draws normals with the requested mean and standard deviation (20k draws)', () => {
    const rng = new Rng(11);
    const n = 20_000;
    for (const [mean, std] of [
      [0, 1],
      [3, 2],
      [-1, 0.1],
    ] as const) {
      let s = 0;
      let s2 = 0;
      let within1 = 0;
      for (let i = 0; i < n; i++) {
        const x = rng.normal(mean, std);
        s += x;
        s2 += x * x;
        if (Math.abs(x - mean) < std) within1++;
      }
      const m = s / n;
      const sd = Math.sqrt(s2 / n - m * m);
      expect(Math.abs(m - mean)).toBeLessThan(0.03 * std);
      expect(Math.abs(sd / std - 1)).toBeLessThan(0.03);
      // About 68.3 % of a normal lies within one standard deviation.
      expect(within1 / n).toBeGreaterThan(0.66);
      expect(within1 / n).toBeLessThan(0.705);
    }
  });

  it('draws normals by Box-Muller from its own uniforms: cos for the first, sin for the spare', () => {
    const rng = new Rng(77);
    const uniforms = new Rng(77);
    for (let k = 0; k < 100; k++) {
      const u1 = 1 - uniforms.uniform();
      const u2 = uniforms.uniform();
      const r = Math.sqrt(-2 * Math.log(u1));
      expect(rng.normal(2, 3)).toBeCloseTo(2 + 3 * r * Math.cos(2 * Math.PI * u2), 12);
      expect(rng.normal()).toBeCloseTo(r * Math.sin(2 * Math.PI * u2), 12);
    }
  });

  it('draws uncorrelated successive normals', () => {
    const rng = new Rng(78);
    const xs = Array.from({ length: 20_000 }, () => rng.normal());
    let c = 0;
    for (let k = 0; k + 1 < xs.length; k++) c += xs[k]! * xs[k + 1]!;
    expect(Math.abs(c / xs.length)).toBeLessThan(0.03);
  });

  it('uses the spare Box-Muller value: two normals consume two uniforms', () => {
    const a = new Rng(5);
    const b = new Rng(5);
    a.normal();
    a.normal();
    b.uniform();
    b.uniform();
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('bernoulli(p) fires with frequency p', () => {
    const rng = new Rng(9);
    let k = 0;
    for (let i = 0; i < 20_000; i++) if (rng.bernoulli(0.3)) k++;
    expect(k / 20_000).toBeCloseTo(0.3, 1);
    expect(Math.abs(k / 20_000 - 0.3)).toBeLessThan(0.015);
    expect(new Rng(1).bernoulli(0)).toBe(false);
    expect(new Rng(1).bernoulli(1)).toBe(true);
  });

  it('shuffles in place into a permutation, deterministically per seed', () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const a = new Rng(13).shuffle([...items]);
    const b = new Rng(13).shuffle([...items]);
    const c = new Rng(14).shuffle([...items]);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a).not.toEqual(items);
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    const arr = [1, 2, 3];
    expect(new Rng(0).shuffle(arr)).toBe(arr);
    expect(new Rng(0).shuffle([])).toEqual([]);
    expect(new Rng(0).shuffle([9])).toEqual([9]);
  });

  it('shuffles uniformly: every position of a 4-element list is equally likely', () => {
    const rng = new Rng(21);
    const counts = Array.from({ length: 4 }, () => new Array<number>(4).fill(0));
    for (let r = 0; r < 8000; r++) {
      const p = rng.shuffle([0, 1, 2, 3]);
      p.forEach((v, pos) => counts[v]![pos]!++);
    }
    for (const row of counts) for (const c of row) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('forks a generator independent of the parent and of the parent`s later draws', () => {
    const p1 = new Rng(99);
    const f1 = p1.fork();
    for (let i = 0; i < 100; i++) p1.uniform(); // parent keeps drawing
    const forkStream = draws(f1, 100);

    const p2 = new Rng(99);
    const f2 = p2.fork();
    expect(draws(f2, 100)).toEqual(forkStream);

    // The parent's stream after a fork is its own stream minus the one value spent on the seed.
    const p3 = new Rng(99);
    const plain = new Rng(99);
    p3.fork();
    plain.nextUint32();
    expect(draws(p3, 50)).toEqual(draws(plain, 50));

    // Fork and parent do not share values; two successive forks differ.
    const p4 = new Rng(99);
    const fa = p4.fork();
    const fb = p4.fork();
    const parentStream = draws(p4, 100);
    const a = draws(fa, 100);
    const b = draws(fb, 100);
    expect(a.filter((v, i) => v === parentStream[i]).length).toBe(0);
    expect(a.filter((v, i) => v === b[i]).length).toBe(0);
  });
});

describe('Rng state', () => {
  it('a generator rebuilt from a saved state continues the same stream, spare normal included', () => {
    const a = new Rng(42);
    a.uniform();
    a.normal(); // leaves a spare normal
    const saved = JSON.parse(JSON.stringify(a.state())) as ReturnType<Rng['state']>;
    const b = Rng.fromState(saved);
    expect(b.normal()).toBe(a.normal());
    for (let k = 0; k < 5; k++) expect(b.nextUint32()).toBe(a.nextUint32());
    expect(() => Rng.fromState({ words: [1, 2, 3], spareNormal: null })).toThrow(/four unsigned/);
  });
});

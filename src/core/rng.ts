/**
 * Seeded pseudo-random numbers. Every random draw in Delay Lab goes through an `Rng` passed in
 * explicitly, so that a seed in an experiment config reproduces a run bit for bit.
 *
 * Generator: sfc32 (small fast counting, 128-bit state), seeded through splitmix32 so that nearby
 * seeds give unrelated streams.
 */
/** A serialisable snapshot of an Rng. */
export interface RngState {
  words: number[];
  spareNormal: number | null;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    let s = seed >>> 0;
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [low, high). */
  uniformIn(low: number, high: number): number {
    return low + (high - low) * this.uniform();
  }

  /** Integer uniform in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box-Muller, polar form avoided so the stream length per draw is fixed). */
  normal(mean = 0, std = 1): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return mean + std * z;
    }
    const u1 = 1 - this.uniform(); // (0, 1], keeps log finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spareNormal = r * Math.sin(2 * Math.PI * u2);
    return mean + std * r * Math.cos(2 * Math.PI * u2);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** The generator's whole state (to checkpoint a run and resume it bit for bit). */
  state(): RngState {
    // Words are kept as unsigned: the xor in nextUint32 can leave a signed value (same bits).
    return { words: [this.a >>> 0, this.b >>> 0, this.c >>> 0, this.d >>> 0], spareNormal: this.spareNormal };
  }

  /** A generator that continues exactly where the one that gave `state` was. */
  static fromState(state: RngState): Rng {
    const r = new Rng(0);
    const [a, b, c, d] = state.words;
    if (![a, b, c, d].every((w) => Number.isInteger(w) && w! >= 0 && w! <= 0xffffffff)) {
      throw new RangeError('Rng state: expected four unsigned 32-bit words');
    }
    r.a = a!;
    r.b = b!;
    r.c = c!;
    r.d = d!;
    r.spareNormal = state.spareNormal;
    return r;
  }

  /** A new generator whose stream is independent of this one's further draws. */
  fork(): Rng {
    return new Rng(this.nextUint32());
  }
}

/**
 * A uniform number in [0, 1) fixed by (seed, stream, index) alone: a stateless hash (a murmur3
 * finaliser over the three words), for per-item draws that must be the same whenever asked,
 * such as a potential synapse's sign, fixed at creation but never stored.
 */
export function hashUniform(seed: number, stream: number, index: number): number {
  let h = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0;
  h = Math.imul(h ^ (index >>> 0), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h ^ Math.imul(index >>> 0, 0xc2b2ae35), 0x27d4eb2f) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

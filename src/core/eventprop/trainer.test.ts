import { describe, expect, it } from 'vitest';
import { generateYinYang } from '../data/yinYang.ts';
import { EventPropTrainer, yinYangSetup, yinYangTrials } from './trainer.ts';

describe('EventProp training on Yin-Yang (real-valued input spike times)', () => {
  it('learns: held-out accuracy rises well above chance within a few epochs, delays included', () => {
    const train = yinYangTrials(generateYinYang(300, 1));
    const test = yinYangTrials(generateYinYang(300, 2));
    const trainer = new EventPropTrainer(yinYangSetup(30, true), 3);
    const before = trainer.accuracy(test);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 8; epoch++) {
      let sum = 0;
      for (let b = 0; b < train.length; b += 20) sum += trainer.step(train.slice(b, b + 20));
      losses.push(sum / (train.length / 20));
    }
    const after = trainer.accuracy(test);
    expect(losses.at(-1)!).toBeLessThan(losses[0]!);
    expect(
      after,
      `accuracy ${before} -> ${after}, losses ${losses.map((l) => l.toFixed(3)).join(' ')}`,
    ).toBeGreaterThan(0.6);
  }, 60_000);
});

import { describe, expect, it } from 'vitest';
import { formatDuration } from './RunSummary.tsx';

describe('time left, in words', () => {
  it('rounds to seconds, minutes and seconds, or hours and minutes', () => {
    expect(formatDuration(0.4)).toBe('under a second');
    expect(formatDuration(42.4)).toBe('about 42 s');
    expect(formatDuration(250)).toBe('about 4 min 10 s');
    expect(formatDuration(3 * 3600 + 125)).toBe('about 3 h 2 min');
    expect(formatDuration(Number.NaN)).toBe('unknown');
    expect(formatDuration(-1)).toBe('unknown');
  });
});

import { describe, expect, it } from 'vitest';
import { chartFileName } from './exportChart.ts';

describe('chartFileName', () => {
  it('turns a title into a lower-case, dash-separated name', () => {
    expect(chartFileName('Accuracy (%) and loss per epoch: train, validation')).toBe(
      'accuracy-and-loss-per-epoch-train-validation',
    );
  });

  it('drops accents and trims separators', () => {
    expect(chartFileName('  Délai / Poids — 2 ')).toBe('delai-poids-2');
  });

  it('falls back to "chart" and limits the length', () => {
    expect(chartFileName('✗ → ✓')).toBe('chart');
    expect(chartFileName('')).toBe('chart');
    expect(chartFileName('a'.repeat(200)).length).toBe(80);
  });
});

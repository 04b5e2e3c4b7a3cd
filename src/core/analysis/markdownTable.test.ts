import { describe, expect, it } from 'vitest';
import { markdownTable } from './markdownTable.ts';

describe('markdownTable', () => {
  it('pads every column to its widest cell and draws the rule under the header', () => {
    expect(
      markdownTable(
        ['preset', 'test %'],
        [
          ['delay-only', '84.6'],
          ['w', '9.1'],
        ],
      ),
    ).toBe(
      [
        '| preset     | test % |',
        '| ---------- | ------ |',
        '| delay-only | 84.6   |',
        '| w          | 9.1    |',
      ].join('\n'),
    );
  });

  it('gives the header and rule alone when there are no rows', () => {
    expect(markdownTable(['a', 'bb'], [])).toBe('| a | bb |\n| - | -- |');
  });

  it('refuses a row whose cell count differs from the header', () => {
    expect(() => markdownTable(['a', 'b'], [['1']])).toThrow(/row 0 has 1 cells, the header 2/);
  });
});

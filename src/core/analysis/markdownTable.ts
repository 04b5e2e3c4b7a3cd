/**
 * A markdown table whose columns are padded to their widest cell, so that it reads as a table in
 * a terminal as well as once rendered. Every row must have as many cells as the header.
 */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const [r, row] of rows.entries()) {
    if (row.length !== header.length) {
      throw new Error(`markdownTable: row ${r} has ${row.length} cells, the header ${header.length}`);
    }
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((row) => row[c]!.length)));
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((s, c) => s.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

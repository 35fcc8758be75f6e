/** Plain-text tables for terminal output. */

/**
 * Formats rows under a header, columns separated by two spaces; numeric columns align right.
 * @example
 * formatTable(['name', 'elements'], [['fc1.weight', '12']], ['left', 'right']);
 * // 'name        elements\nfc1.weight        12\n'
 */
export function formatTable(
  header: readonly string[],
  rows: ReadonlyArray<readonly string[]>,
  align: ReadonlyArray<'left' | 'right'>,
): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (align[c] === 'right' ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * A number for a table cell: six significant digits, `nan`, `inf`, or `-` for "no value" (empty tensor).
 * @example
 * formatNumber(0.1234567); // '0.123457'
 */
export function formatNumber(x: number, empty = false): string {
  if (empty) return '-';
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  return String(Number(x.toPrecision(6)));
}

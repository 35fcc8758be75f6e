/** Prints rows of cells as an aligned text table: text columns left-aligned, numbers right-aligned. */
export function printTable(rows: Array<Array<string | number>>, write: (line: string) => void = console.log): void {
  const cells = rows.map((row) => row.map((cell) => String(cell)));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const numeric = cells[0].map((_, c) => cells.slice(1).every((row) => /^[-+]?[\d.,]+[x%]?$|^-$/.test(row[c] ?? '')));
  for (const row of cells)
    write(
      row
        .map((cell, c) => (numeric[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('  ')
        .trimEnd(),
    );
}

/** A number with `digits` decimals, or '-' when not a finite number. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

// How query rows are written: streamed row by row, so exporting 100M rows runs in constant memory.
// Each format is a small writer with the same shape: begin(columns), row(values), end().
export type Format = 'table' | 'csv' | 'json' | 'ndjson';

export interface RowWriter {
  begin(columns: string[]): string;
  row(values: unknown[]): string;
  end(): string;
}

export function createWriter(format: Format, width: number): RowWriter {
  switch (format) {
    case 'csv':
      return csvWriter();
    case 'json':
      return jsonWriter(false);
    case 'ndjson':
      return jsonWriter(true);
    case 'table':
      return tableWriter(width);
  }
}

/** RFC 4180: CRLF line ends; a field with a comma, quote, CR or LF is quoted, quotes doubled. */
function csvWriter(): RowWriter {
  const field = (v: unknown): string => {
    const text = v === null || v === undefined ? '' : Buffer.isBuffer(v) ? v.toString('hex') : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return {
    begin: (columns) => columns.map(field).join(',') + '\r\n',
    row: (values) => values.map(field).join(',') + '\r\n',
    end: () => '',
  };
}

function jsonWriter(lines: boolean): RowWriter {
  let columns: string[] = [];
  let first = true;
  const object = (values: unknown[]): string =>
    JSON.stringify(Object.fromEntries(columns.map((c, i) => [c, Buffer.isBuffer(values[i]) ? (values[i] as Buffer).toString('hex') : values[i]])));
  return {
    begin: (c) => {
      columns = c;
      return lines ? '' : '[';
    },
    row: (values) => {
      if (lines) return object(values) + '\n';
      const text = (first ? '\n' : ',\n') + object(values);
      first = false;
      return text;
    },
    end: () => (lines ? '' : first ? ']\n' : '\n]\n'),
  };
}

/**
 * Aligned columns that fit the terminal. Widths come from the header and the first rows (a table of
 * 100M rows cannot be measured whole); later values are cut to fit, marked with an ellipsis.
 */
function tableWriter(width: number): RowWriter {
  const SAMPLE = 200;
  let columns: string[] = [];
  let widths: number[] = [];
  let numeric: boolean[] = [];
  const held: string[][] = [];
  let flushed = false;
  let count = 0;
  const text = (v: unknown): string => (v === null || v === undefined ? '' : Buffer.isBuffer(v) ? `x'${v.toString('hex')}'` : String(v).replace(/[\r\n\t]/g, ' '));
  const cut = (s: string, w: number): string => (s.length <= w ? s : w <= 1 ? s.slice(0, w) : s.slice(0, w - 1) + '…');
  const line = (cells: string[]): string =>
    cells.map((c, i) => (numeric[i] ? cut(c, widths[i]!).padStart(widths[i]!) : cut(c, widths[i]!).padEnd(widths[i]!))).join('  ').trimEnd() + '\n';
  const layout = (): string => {
    widths = columns.map((c, i) => Math.max(c.length, ...held.map((r) => r[i]!.length)));
    // Shrink the widest columns until the row fits the terminal (2 spaces between columns).
    const room = Math.max(width, columns.length * 4) - 2 * (columns.length - 1);
    while (widths.reduce((a, b) => a + b, 0) > room) {
      const widest = widths.indexOf(Math.max(...widths));
      if (widths[widest]! <= 4) break;
      widths[widest]!--;
    }
    flushed = true;
    const out = [line(columns), line(widths.map((w) => '-'.repeat(w))), ...held.map(line)].join('');
    held.length = 0;
    return out;
  };
  return {
    begin: (c) => {
      columns = c;
      numeric = c.map(() => true);
      return '';
    },
    row: (values) => {
      count++;
      const cells = values.map(text);
      values.forEach((v, i) => {
        if (v !== null && typeof v !== 'number' && typeof v !== 'bigint') numeric[i] = false;
      });
      if (flushed) return line(cells);
      held.push(cells);
      return held.length >= SAMPLE ? layout() : '';
    },
    end: () => (flushed ? '' : layout()) + `(${count} row${count === 1 ? '' : 's'})\n`,
  };
}

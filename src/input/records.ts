// Spreadsheet and JSON lists: CSV and TSV records (csv-parse: quoted fields with commas, quotes and
// newlines) and JSON lines, yielded as the text reader yields lines, with `text` the URL field and
// `source` the record's other fields as JSON. A record that cannot be read, or has no URL field, is a
// line with a problem (an invalid row), so every record gets its row.
import { extname } from 'node:path';
import { parse, type CsvError } from 'csv-parse';
import { SweepError, UsageError } from '../result/errors.js';
import { open, preview, readLines, type InputLine, type ReadProgress, type StartPoint } from './lineReader.js';

export const INPUT_FORMATS = ['text', 'csv', 'tsv', 'jsonl'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

/** The URL column when --column is not given: a column (or field) of this name, in any case. */
const DEFAULT_COLUMN = 'url';
/** A CSV record longer than this stops the sweep: a quote left open would otherwise swallow the rest of the file. */
export const MAX_RECORD_BYTES = 1 << 20;

/** The format of the inputs: as given, else by extension (`.gz` looked through); every input the same. */
export function inputFormat(inputs: string[], given: InputFormat | null): InputFormat {
  if (given) return given;
  const byInput = inputs.map((path) => {
    const ext = extname(path.toLowerCase().replace(/\.gz$/, ''));
    return ext === '.csv' ? 'csv' : ext === '.tsv' ? 'tsv' : ext === '.jsonl' || ext === '.ndjson' ? 'jsonl' : 'text';
  });
  const formats = [...new Set(byInput)];
  if (formats.length > 1) {
    throw new UsageError(`the inputs are of different formats (${inputs.map((p, i) => `${p}: ${byInput[i]}`).join(', ')}): sweep them apart, or name one with --input-format`);
  }
  return formats[0] ?? 'text';
}

/** Lines (text) or records (csv, tsv, jsonl) of every input in order, numbered across inputs. */
export function readInput(
  inputs: string[],
  format: InputFormat,
  column: string | null,
  progress: ReadProgress,
  from?: StartPoint,
  signal?: AbortSignal,
): AsyncGenerator<InputLine[]> {
  if (format === 'text') return readLines(inputs, progress, from, signal);
  if (format === 'jsonl') return readJsonLines(inputs, column ?? DEFAULT_COLUMN, progress, from, signal);
  return readCsv(inputs, format === 'tsv' ? '\t' : ',', column, progress, signal);
}

/** JSON lines keep the text reader's line numbers and byte offsets (a resume seeks), one object per line. */
async function* readJsonLines(inputs: string[], field: string, progress: ReadProgress, from?: StartPoint, signal?: AbortSignal): AsyncGenerator<InputLine[]> {
  for await (const lines of readLines(inputs, progress, from, signal)) {
    for (const line of lines) {
      if (line.text === null || line.text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line.text.charCodeAt(0) === 0xfeff ? line.text.slice(1) : line.text);
      } catch (err) {
        reject(line, `not JSON: ${(err as Error).message}`);
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        reject(line, 'not a JSON object');
        continue;
      }
      const object = value as Record<string, unknown>;
      const key = field in object ? field : (Object.keys(object).find((k) => k.toLowerCase() === field.toLowerCase()) ?? field);
      const { [key]: url, ...rest } = object;
      line.record = true;
      line.source = Object.keys(rest).length > 0 ? JSON.stringify(rest) : null;
      if (typeof url !== 'string') {
        const was = url === undefined ? 'has no' : `has a ${url === null ? 'null' : typeof url}`;
        reject(line, `the record ${was} "${field}" field (name the URL's field with --column)`);
        continue;
      }
      line.text = url;
    }
    yield lines;
  }
}

function reject(line: InputLine, why: string): void {
  line.preview = why;
  line.problem = 'bad_record';
  line.record = true;
  line.text = null;
}

/**
 * CSV or TSV records after each input's header row, numbered from 1 across inputs. Records span lines
 * where quoted, so they have no byte offset of their own: a resume reads the inputs again and skips.
 */
async function* readCsv(inputs: string[], delimiter: string, column: string | null, progress: ReadProgress, signal?: AbortSignal): AsyncGenerator<InputLine[]> {
  let number = 0;
  for (let input = 0; input < inputs.length; input++) {
    const path = inputs[input]!;
    const name = path === '-' ? 'stdin' : path;
    let out: InputLine[] = [];
    // csv-parse reports a bad record (on_skip) while it parses ahead of what is consumed: each is kept with
    // the count of records emitted before it, and numbered when the consumer gets there.
    const skipped: Array<{ after: number; why: string }> = [];
    const parser = parse({
      delimiter,
      // CRLF and LF alike, even mixed in one file (csv-parse would otherwise keep the first line's).
      record_delimiter: ['\r\n', '\n'],
      bom: true,
      relax_column_count: true,
      // A quote inside a field (5" screen) is text, as spreadsheets write it; only a quote left open is an error.
      relax_quotes: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
      // A quote left open at the end gets an invalid row for its record, the others theirs.
      skip_records_with_error: true,
      on_skip: (err: CsvError | undefined, raw: string | undefined) => {
        // Past the size cap csv-parse cannot go on (it would drop the rest unsaid): stop the sweep instead.
        if (err?.code === 'CSV_MAX_RECORD_SIZE') throw err;
        const excerpt = raw ? ` (${preview(Buffer.from(raw.slice(0, 100)))})` : '';
        skipped.push({ after: parser.info.records, why: `not CSV: ${err?.message ?? 'unreadable'}${excerpt}` });
        return undefined;
      },
    });
    let header: string[] | null = null;
    let urlAt = -1;
    let emitted = 0;
    const flushSkipped = (upTo: number): void => {
      while (skipped.length > 0 && skipped[0]!.after <= upTo) {
        const { why } = skipped.shift()!;
        if (!header) throw new UsageError(`the header row of ${name} is ${why}`);
        out.push({ line: ++number, text: null, problem: 'bad_record', preview: why, input, offsetAfter: -1, record: true });
      }
    };
    const source = open(path, progress, 0, signal);
    source.on('error', (err) => parser.destroy(err));
    source.pipe(parser);
    try {
      for await (const fields of parser as AsyncIterable<string[]>) {
        flushSkipped(emitted);
        emitted++;
        if (!header) {
          header = uniqueNames(fields);
          urlAt = columnIndex(fields, column, name);
          continue;
        }
        const url = fields[urlAt];
        // No prototype, so a column named __proto__ is a column like the others.
        const others: Record<string, string> = Object.create(null) as Record<string, string>;
        fields.forEach((value, i) => {
          if (i !== urlAt) others[header![i] ?? `column ${i + 1}`] = value;
        });
        const record: InputLine = {
          line: ++number, text: url ?? null, problem: null, preview: null, input, offsetAfter: -1, record: true,
          source: Object.keys(others).length > 0 ? JSON.stringify(others) : null,
        };
        if (url === undefined) Object.assign(record, { problem: 'bad_record', preview: `the record has ${fields.length} fields: no "${header[urlAt]}" (column ${urlAt + 1})` });
        out.push(record);
        if (out.length >= 1024) {
          yield out;
          out = [];
        }
      }
      flushSkipped(Infinity);
    } catch (err) {
      if ((err as Error).name === 'AbortError' || err instanceof UsageError) throw err;
      if ((err as CsvError).code === 'CSV_MAX_RECORD_SIZE') {
        throw new SweepError(`cannot read ${name}: the record after record ${number} is over ${MAX_RECORD_BYTES >> 20} MiB: a quote left open?`);
      }
      throw new SweepError(`cannot read ${name}: ${(err as Error).message}`);
    } finally {
      // Stopped early (a usage error, an interrupt): the file is closed, and stdin lets the process end.
      source.unpipe(parser);
      source.destroy();
    }
    if (out.length > 0) yield out;
  }
}

/** Header names, a repeated one numbered (tag, tag_2), so that no value is lost from `source`. */
function uniqueNames(header: string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((h) => {
    const n = (seen.get(h) ?? 0) + 1;
    seen.set(h, n);
    return n === 1 ? h : `${h}_${n}`;
  });
}

/** The URL column: --column by name (exactly, else in any case) or by 1-based number, else one named url, else the only one. */
function columnIndex(header: string[], column: string | null, name: string): number {
  const wanted = column ?? DEFAULT_COLUMN;
  const exact = header.indexOf(wanted);
  if (exact >= 0) return exact;
  const folded = header.findIndex((h) => h.toLowerCase() === wanted.toLowerCase());
  if (folded >= 0) return folded;
  if (column !== null && /^\d+$/.test(column) && Number(column) >= 1 && Number(column) <= header.length) return Number(column) - 1;
  if (column === null && header.length === 1) return 0;
  const columns = header.map((h) => JSON.stringify(h)).join(', ');
  throw new UsageError(`${name} has no column ${JSON.stringify(wanted)}${column === null ? '' : ' (or of that number)'}; its columns: ${columns}. Name the URL's column with --column NAME or --column N`);
}

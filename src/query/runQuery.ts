// `urlsweep query`: runs one SQL statement on a sweep's database, read-only, and streams the rows out.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { QueryError, UsageError } from '../result/errors.js';
import { createWriter, type Format } from './formats.js';

export interface QueryOptions {
  db: string;
  sql: string;
  format: Format;
  /** Terminal width for the table format. */
  width: number;
}

export async function runQuery(options: QueryOptions, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (!existsSync(options.db)) throw new UsageError(`no database at ${options.db}`);
  const db = new Database(options.db, { readonly: true, fileMustExist: true });
  try {
    let statement: Database.Statement;
    try {
      statement = db.prepare(options.sql);
    } catch (err) {
      throw new QueryError(`${(err as Error).message}\n  in: ${options.sql.trim()}`);
    }
    if (!statement.readonly) {
      throw new QueryError(`queries are read-only: this statement would change the database\n  in: ${options.sql.trim()}`);
    }
    if (!statement.reader) {
      statement.run();
      return 0;
    }
    const writer = createWriter(options.format, options.width);
    statement.raw(true);
    const write = async (text: string): Promise<void> => {
      // Back-pressure: a slow consumer (a pipe to gzip, a terminal) must not make the rows pile up in memory.
      if (text && !out.write(text)) await once(out, 'drain');
    };
    await write(writer.begin(statement.columns().map((c) => c.name)));
    let rows = 0;
    try {
      for (const values of statement.iterate() as IterableIterator<unknown[]>) {
        await write(writer.row(values));
        rows++;
      }
    } catch (err) {
      throw new QueryError(`${(err as Error).message}\n  in: ${options.sql.trim()}`);
    }
    await write(writer.end());
    return rows;
  } finally {
    db.close();
  }
}

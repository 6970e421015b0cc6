import Database from './sqlite';
import { accessSync, closeSync, constants, existsSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** A SQLite file the service cannot use; the message says which file and what to do. */
export class DatabaseFileError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'DatabaseFileError';
  }
}

/**
 * Checks, before the start, that the SQLite file can serve: it exists (or migrations will
 * create it), is a SQLite database, and this process may read and write it and its folder
 * (SQLite writes its WAL files beside it). Throws a {@link DatabaseFileError} otherwise, so the
 * start stops with a clear message instead of failing later, on the first request.
 */
export function checkSqliteFile(path: string, migrationsRun: boolean): void {
  if (!existsSync(path)) {
    if (!migrationsRun) {
      throw new DatabaseFileError(
        `The SQLite database ${path} does not exist, and MIGRATIONS_RUN=false: nothing would create it. ` +
          'Give the path of an existing database in DATABASE_URL, or let migrations create it.',
      );
    }
    const folder = dirname(path);
    if (existsSync(folder) && !allowed(folder, constants.W_OK | constants.X_OK)) {
      throw new DatabaseFileError(`The SQLite database ${path} cannot be created: its folder is not writable.`);
    }
    return; // migrations create the file (and its folder)
  }
  if (statSync(path).isDirectory()) {
    throw new DatabaseFileError(`The SQLite database ${path} is a folder, not a file.`);
  }
  if (!allowed(path, constants.R_OK)) {
    throw new DatabaseFileError(
      `The SQLite database ${path} cannot be read by this process: check its owner and mode.`,
    );
  }
  if (!allowed(path, constants.W_OK) || !allowed(dirname(path), constants.W_OK | constants.X_OK)) {
    throw new DatabaseFileError(
      `The SQLite database ${path} is read-only for this process: the service needs to write the file and ` +
        'its folder (migrations, WAL files). Check their owner and mode.',
    );
  }
  checkSqliteLength(path);
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.pragma('schema_version');
    } finally {
      db.close();
    }
  } catch (error) {
    throw new DatabaseFileError(`The file ${path} is not a usable SQLite database: ${(error as Error).message}.`, {
      cause: error,
    });
  }
}

/** The start of every SQLite database file, and the size of its header. */
const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');
const HEADER_BYTES = 100;

/**
 * Refuses a database file shorter than its own header says it is (a copy cut short): SQLite
 * would read the missing pages as zeros and answer wrong counts without an error. The header
 * holds the page size (offset 16, where 1 means 65536) and the page count (offset 28, valid
 * when the number at offset 92 matches the change counter at offset 24).
 */
export function checkSqliteLength(path: string): void {
  const { size } = statSync(path);
  if (size === 0) return; // an empty file is an empty database: migrations fill it
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  if (read < SQLITE_MAGIC.length || !header.subarray(0, SQLITE_MAGIC.length).equals(SQLITE_MAGIC)) return;
  if (read < HEADER_BYTES) {
    throw new DatabaseFileError(
      `The SQLite database ${path} is truncated: it has ${size} bytes, less than its own header. Restore a complete copy.`,
    );
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const pageCount = header.readUInt32BE(28);
  const countIsValid = header.readUInt32BE(92) === header.readUInt32BE(24);
  if (!countIsValid || pageCount === 0) return;
  const expected = pageCount * pageSize;
  if (size < expected) {
    throw new DatabaseFileError(
      `The SQLite database ${path} is truncated: its header says ${pageCount} pages of ${pageSize} bytes ` +
        `(${expected} bytes), but the file has ${size} bytes. Restore a complete copy.`,
    );
  }
}

/** Which file a path names now (its device and inode), or undefined when there is none. */
export interface FileIdentity {
  readonly dev: number;
  readonly ino: number;
}

export function fileIdentity(path: string): FileIdentity | undefined {
  try {
    const { dev, ino } = statSync(path);
    return { dev, ino };
  } catch {
    return undefined;
  }
}

export function sameFile(a: FileIdentity | undefined, b: FileIdentity | undefined): boolean {
  return a !== undefined && b !== undefined && a.dev === b.dev && a.ino === b.ino;
}

/**
 * Refuses a database file that lacks one of `migrations` (TypeORM's `migrations` table names
 * each one run): the service serves only a database whose schema it knows.
 */
export function checkSqliteMigrated(path: string, migrations: readonly string[]): void {
  let applied: Set<string>;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      applied = new Set(
        db
          .prepare<[], { name: string }>('SELECT name FROM migrations')
          .all()
          .map((row) => row.name),
      );
    } finally {
      db.close();
    }
  } catch (error) {
    throw new DatabaseFileError(
      `The SQLite database ${path} has no migrations table: it is not a database of this service (${(error as Error).message}).`,
      { cause: error },
    );
  }
  const missing = migrations.filter((name) => !applied.has(name));
  if (missing.length > 0) {
    throw new DatabaseFileError(
      `The SQLite database ${path} lacks migrations ${missing.join(', ')}: migrate it (npm run migrate) before putting it in place.`,
    );
  }
}

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

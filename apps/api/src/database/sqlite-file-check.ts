import Database from './sqlite';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
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

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

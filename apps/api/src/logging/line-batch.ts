import pino, { type DestinationStream } from 'pino';

/** Past this many characters a batch is written at once, so a burst cannot hold much memory. */
export const BATCH_MAX_CHARS = 64 * 1024;

/** Where a batch goes: a synchronous write of the whole chunk (pino's SonicBoom in sync mode). */
export interface ChunkWriter {
  write(chunk: string): unknown;
}

/**
 * The log lines of one turn of the event loop, written together when the turn ends: one write
 * system call for every line a burst of requests made, instead of one each. The write itself is
 * synchronous (partial writes and a full pipe are SonicBoom's to retry), so lines stay in the
 * order they were made and none waits in memory past the turn that made it; the process's
 * exit writes what is still held, whatever the reason it exits.
 */
export class LineBatch implements DestinationStream {
  private lines: string[] = [];
  private chars = 0;

  constructor(
    private readonly out: ChunkWriter,
    private readonly later: (flush: () => void) => void = setImmediate,
  ) {}

  write(line: string): void {
    if (this.lines.push(line) === 1) this.later(this.flush);
    this.chars += line.length;
    if (this.chars >= BATCH_MAX_CHARS) this.flush();
  }

  /** Writes the lines held now (at most one write). */
  readonly flush = (): void => {
    if (this.lines.length === 0) return;
    const chunk = this.lines.length === 1 ? this.lines[0] : this.lines.join('');
    this.lines = [];
    this.chars = 0;
    this.out.write(chunk);
  };
}

/** Standard output through a {@link LineBatch}, written out on the process's exit. */
export function batchedStdout(): LineBatch {
  const batch = new LineBatch(pino.destination({ dest: 1, sync: true }));
  process.on('exit', batch.flush);
  return batch;
}

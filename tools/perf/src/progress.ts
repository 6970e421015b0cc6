/**
 * A progress line on standard error: redrawn in place on a terminal, a plain line every few
 * seconds otherwise (CI logs, pipes).
 */
export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private readonly tty: boolean;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
  }

  update(done: number): void {
    if (done >= this.total) return; // finish() draws the last line.
    const now = Date.now();
    if (now - this.lastDraw < (this.tty ? 200 : 5000)) return;
    this.lastDraw = now;
    this.draw(done, false);
  }

  finish(done: number): void {
    this.draw(done, true);
  }

  private draw(done: number, final: boolean): void {
    const seconds = (Date.now() - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const share = this.total > 0 ? done / this.total : 1;
    const width = 30;
    const filled = Math.round(share * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const eta = !final && rate > 0 ? ` ETA ${Math.ceil((this.total - done) / rate)} s` : '';
    const text =
      `${this.label} ${bar} ${(share * 100).toFixed(0).padStart(3)}% ` +
      `${done.toLocaleString('en-US')}/${this.total.toLocaleString('en-US')} ` +
      `${Math.round(rate).toLocaleString('en-US')} rows/s ${seconds.toFixed(1)} s${eta}`;
    if (this.tty) this.stream.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    else this.stream.write(`${text}\n`);
  }
}

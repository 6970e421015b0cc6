import { BATCH_MAX_CHARS, LineBatch } from './line-batch';

describe('LineBatch', () => {
  /** A batch whose turns end when the test says, writing into `chunks`. */
  function batch() {
    const chunks: string[] = [];
    const pending: Array<() => void> = [];
    const lines = new LineBatch({ write: (chunk) => chunks.push(chunk) }, (flush) => pending.push(flush));
    const endTurn = () => pending.splice(0).forEach((flush) => flush());
    return { lines, chunks, endTurn };
  }

  it('writes the lines of one turn together, in order, when the turn ends', () => {
    const { lines, chunks, endTurn } = batch();
    lines.write('a\n');
    lines.write('b\n');
    lines.write('c\n');
    expect(chunks).toEqual([]);
    endTurn();
    expect(chunks).toEqual(['a\nb\nc\n']);
    lines.write('d\n');
    endTurn();
    expect(chunks).toEqual(['a\nb\nc\n', 'd\n']);
  });

  it('writes nothing for a turn without lines', () => {
    const { lines, chunks, endTurn } = batch();
    lines.flush();
    endTurn();
    expect(chunks).toEqual([]);
  });

  it('writes at once when the lines held reach the bound, and keeps the rest for the turn', () => {
    const { lines, chunks, endTurn } = batch();
    const long = `${'x'.repeat(BATCH_MAX_CHARS / 2)}\n`;
    lines.write(long);
    lines.write(long);
    expect(chunks).toEqual([long + long]);
    lines.write('tail\n');
    endTurn();
    expect(chunks).toEqual([long + long, 'tail\n']);
  });

  it('writes what it holds when flushed (the process exiting)', () => {
    const { lines, chunks } = batch();
    lines.write('last\n');
    lines.flush();
    expect(chunks).toEqual(['last\n']);
  });

  it('ends each turn on its own by default', async () => {
    const chunks: string[] = [];
    const lines = new LineBatch({ write: (chunk) => chunks.push(chunk) });
    lines.write('1\n');
    lines.write('2\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks).toEqual(['1\n2\n']);
  });
});

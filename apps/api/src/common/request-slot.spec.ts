import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { RequestSlot } from './request-slot';

describe('RequestSlot', () => {
  it("keeps a value with one request, apart from other slots' and other requests'", () => {
    const one = new IncomingMessage(new Socket());
    const other = new IncomingMessage(new Socket());
    const a = new RequestSlot<string>('a');
    const b = new RequestSlot<string>('a');
    expect(a.get(one)).toBeUndefined();
    expect(a.has(one)).toBe(false);
    a.set(one, 'x');
    expect(a.get(one)).toBe('x');
    expect(a.has(one)).toBe(true);
    expect(b.get(one)).toBeUndefined();
    expect(a.get(other)).toBeUndefined();
    // Not a property any code can name, nor one that JSON or Object.keys shows.
    expect(Object.keys(one)).not.toContain('a');
    expect(JSON.stringify(Object.getOwnPropertyNames(one))).not.toContain('"a"');
  });
});

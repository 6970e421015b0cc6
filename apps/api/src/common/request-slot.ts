import type { IncomingMessage } from 'node:http';

/**
 * A value kept with one request for as long as the request lives: a property of its
 * IncomingMessage under a symbol of its own, which no other code can name. Cheaper than a
 * WeakMap keyed by the request, which every request would enter and the garbage collector would
 * have to clear; the value goes with the request.
 */
export class RequestSlot<T> {
  private readonly key: symbol;

  constructor(description: string) {
    this.key = Symbol(description);
  }

  get(request: IncomingMessage): T | undefined {
    return (request as unknown as Record<symbol, T | undefined>)[this.key];
  }

  set(request: IncomingMessage, value: T): void {
    (request as unknown as Record<symbol, T>)[this.key] = value;
  }

  has(request: IncomingMessage): boolean {
    return this.get(request) !== undefined;
  }
}

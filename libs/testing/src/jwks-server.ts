import type { JWK } from 'jose';
import { createServer, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** How the server answers: with its keys, with a 500, or never (until the client gives up). */
export type JwksServerMode = 'serve' | 'error' | 'hang';

/** A JWK set URL of a made-up issuer, on a free port of 127.0.0.1. */
export interface JwksServer {
  /** The JWK set's URL. */
  readonly url: string;
  /** How many requests it has had. */
  readonly fetches: number;
  /** The keys served from now on. */
  setKeys(keys: readonly JWK[]): void;
  /** How it answers from now on. */
  setMode(mode: JwksServerMode): void;
  /** Closes it, and every connection (those left hanging too). */
  stop(): Promise<void>;
}

/** Starts a JWK set server that serves `keys` at `/.well-known/jwks.json`. */
export async function startJwksServer(keys: readonly JWK[] = []): Promise<JwksServer> {
  let served = [...keys];
  let mode: JwksServerMode = 'serve';
  let fetches = 0;
  const sockets = new Set<Socket>();
  const hanging = new Set<ServerResponse>();
  const server = createServer((request, response) => {
    fetches++;
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    if (mode === 'hang') {
      hanging.add(response);
      return;
    }
    if (mode === 'error') {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('unavailable');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: served }));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('The JWKS server is not listening');
  return {
    url: `http://127.0.0.1:${address.port}/.well-known/jwks.json`,
    get fetches() {
      return fetches;
    },
    setKeys(next) {
      served = [...next];
    },
    setMode(next) {
      mode = next;
    },
    stop() {
      for (const socket of sockets) socket.destroy();
      hanging.clear();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

import { createServer } from 'node:net';

/**
 * Where free ports are looked for: below the ephemeral ports the system hands out to any
 * `listen(0)` (Linux: 32768–60999, macOS: 49152–65535). A port found free is closed again
 * before the process that uses it binds it; in that time any test listening on port 0 (an
 * in-process HTTP test, say) could be given it from the ephemeral range, and a started service
 * would then find it taken, or worse its probe would be answered by the other test.
 */
const RANGE = { from: 20_000, to: 32_767 } as const;
const ATTEMPTS = 100;

/** A TCP port on 127.0.0.1 that nothing listens on right now, outside the ephemeral range. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from + 1));
    if ((await listenOnce(port)) !== undefined) return port;
  }
  // Every try was taken (a machine that uses the range itself): one the system picks.
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('No free TCP port on 127.0.0.1');
  return port;
}

/** Listens on `port` (0: any) and closes again; the port it had, or undefined when it was taken. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EADDRINUSE' || error.code === 'EACCES' ? resolve(undefined) : reject(error),
    );
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

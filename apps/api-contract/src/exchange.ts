import { connect } from 'node:net';
import { createOcNumbersClient, type OcNumbersFetchClient } from '@oc-numbers/client';
import type { ContractResponse } from '@oc-numbers/testing';
import { refuseRateLimited } from './rate-limit';
import { CONTRACT_TOKEN } from './settings';

export interface Request {
  readonly method: string;
  readonly path: string;
  /** Query parameters; an array repeats the parameter. */
  readonly query?: Readonly<Record<string, string | readonly string[]>>;
  /** A query string sent exactly as given (for encodings a serializer would tidy up). */
  readonly rawQuery?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Values of the path's `{parameters}`, sent as given (percent-encoded). */
  readonly pathParams?: Readonly<Record<string, string>>;
  /** A request body, sent as given (with a `content-type` among `headers`). */
  readonly body?: string;
  /** The bearer token to send; null: none; absent: the suite's (see {@link SUITE_TOKEN}). */
  readonly token?: string | null;
}

/**
 * The token the suite sends unless a request says otherwise: CONTRACT_TOKEN, or a placeholder.
 * The instances the suite boots without authentication ignore it, but its Prism proxy holds every
 * request to the contract, which asks for a bearer token on every operation of the API.
 */
export const SUITE_TOKEN = CONTRACT_TOKEN ?? 'contract-suite-placeholder';

/** The request's path with its `{parameters}` filled in. */
export function pathOf(request: Pick<Request, 'path' | 'pathParams'>): string {
  return request.path.replace(/\{(\w+)\}/g, (whole, name: string) =>
    request.pathParams?.[name] === undefined ? whole : encodeURIComponent(request.pathParams[name]),
  );
}

export interface Exchange extends ContractResponse {
  readonly text: string;
}

/**
 * Sends a request through the generated client (openapi-fetch over the contract's paths), so
 * every exchange of the suite also exercises the client, and returns what came back.
 * Bounded: a request that takes over 10 s fails instead of hanging the suite.
 */
export async function send(baseUrl: string, request: Request): Promise<Exchange> {
  const token = request.token === undefined ? SUITE_TOKEN : request.token;
  const client = createOcNumbersClient({ baseUrl, ...(token === null ? {} : { token }) }).fetchClient;
  // openapi-fetch reads the body of an error answer itself: keep an unread copy of every answer.
  let copy: Response | undefined;
  client.use({ onResponse: ({ response }) => void (copy = response.clone()) });
  const call = client.request as unknown as (
    method: string,
    path: string,
    init: Record<string, unknown>,
  ) => ReturnType<OcNumbersFetchClient['GET']>;
  await call(request.method.toLowerCase(), pathOf(request), {
    params: { query: request.query ?? {} },
    querySerializer: () => request.rawQuery ?? serialize(request.query ?? {}),
    headers:
      request.body === undefined || Object.keys(request.headers ?? {}).some((h) => h.toLowerCase() === 'content-type')
        ? request.headers
        : { ...request.headers, 'content-type': 'application/json' },
    ...(request.body === undefined ? {} : { body: request.body, bodySerializer: (body: string) => body }),
    // Not every answer is JSON (metrics, the docs page, the YAML contract): the copy is parsed below.
    parseAs: 'text',
    signal: AbortSignal.timeout(10_000),
  });
  const response = copy;
  if (!response) throw new Error(`No answer to ${request.method} ${request.path}`);
  refuseRateLimited(response.status, request.method, request.path);
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => (headers[key] = value));
  let body: unknown = text;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    // Not JSON: the contract check reports it against the documented media type.
  }
  return { status: response.status, headers, body, text };
}

function serialize(query: Readonly<Record<string, string | readonly string[]>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const one of typeof value === 'string' ? [value] : value) params.append(name, one);
  }
  return params.toString();
}

/**
 * Sends the request as a client too slow to finish it: the request line and then one header
 * every 100 ms, never the blank line that ends the head. Returns what the service answers before
 * it closes the connection. Bounded like `send`.
 */
export function sendSlowly(baseUrl: string, request: Request): Promise<Exchange> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    let trickle: NodeJS.Timeout | undefined;
    const socket = connect(Number(url.port), url.hostname, () => {
      socket.write(`${request.method.toUpperCase()} ${pathOf(request)} HTTP/1.1\r\nHost: ${url.host}\r\n`);
      trickle = setInterval(() => socket.writable && socket.write('X-Slow: 1\r\n'), 100);
    });
    const bound = setTimeout(
      () => socket.destroy(new Error(`No answer to a slow ${request.method} ${request.path}`)),
      10_000,
    );
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearInterval(trickle);
      clearTimeout(bound);
      const raw = Buffer.concat(chunks).toString('utf8');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) {
        reject(new Error(`No HTTP answer to a slow ${request.method} ${request.path}`));
        return;
      }
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        headers[line.slice(0, line.indexOf(':')).trim().toLowerCase()] = line.slice(line.indexOf(':') + 1).trim();
      }
      const text = raw.slice(end + 4);
      let body: unknown = text;
      try {
        body = text === '' ? undefined : JSON.parse(text);
      } catch {
        // Not JSON: the contract check reports it against the documented media type.
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, text });
    });
  });
}

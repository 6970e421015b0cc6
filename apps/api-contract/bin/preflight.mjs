// Before a run against --base-url: two short requests, so that a URL where nothing answers, an
// instance whose rate limit would refuse the suite, or one that refuses the suite's token, stops
// the run with one line instead of a wall of failed tests.

const TIMEOUT_MS = 5000;

/**
 * Asks `GET /health/live` of the instance at `baseUrl`, then the summary with the suite's token.
 * Resolves with undefined when the run can go on, else with the reason it cannot, naming the URL.
 * @param {string} baseUrl
 * @param {{ runs: number, token?: string }} run how many generated queries the run sends (at
 *   least), and the bearer token it sends (CONTRACT_TOKEN)
 * @returns {Promise<string | undefined>}
 */
export async function preflight(baseUrl, { runs, token }) {
  const url = `${baseUrl.replace(/\/+$/, '')}/health/live`;
  let response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
    await response.arrayBuffer();
  } catch (error) {
    return (
      `nothing answers HTTP at ${baseUrl} (GET ${url}: ${why(error)}). ` +
      'Start the service there, or give the URL of a running instance.'
    );
  }
  // The service sends RateLimit-Limit on every answer while its rate limit is on.
  const limit = Number(response.headers.get('ratelimit-limit') ?? NaN);
  if (response.status === 429 || (limit > 0 && limit < runs)) {
    const seen =
      response.status === 429
        ? 'it already answers 429 Too Many Requests'
        : `it allows ${limit} requests per client and window (RateLimit-Limit), and this run sends more than ${runs}`;
    return (
      `the rate limit of ${baseUrl} would refuse the suite: ${seen}. ` +
      'Turn the rate limit off on the instance (RATE_LIMIT_ENABLED=false) or raise RATE_LIMIT_MAX.'
    );
  }
  return refusal(baseUrl, token);
}

/** Why the instance refuses the suite's requests to the API (401 or 403), if it does. */
async function refusal(baseUrl, token) {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v3/oc/numbers/removal-status/summary`;
  let status;
  let errorCode;
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'manual',
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });
    status = response.status;
    errorCode = (await response.json().catch(() => undefined))?.errorCode;
  } catch {
    return undefined; // the tests say what is wrong with the API
  }
  if (status !== 401 && status !== 403) return undefined;
  const answer = `GET ${url} answers ${status}${errorCode ? ` ${errorCode}` : ''}`;
  return token
    ? `${baseUrl} does not accept the token in CONTRACT_TOKEN (${answer}). ` +
        'Give a valid token with the role OcNumbers.ReadWrite.All.'
    : `${baseUrl} requires a bearer token (${answer}). ` +
        'Set CONTRACT_TOKEN to a token with the role OcNumbers.ReadWrite.All.';
}

/** Why a request got no HTTP answer, in a few words. */
function why(error) {
  if (error?.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = error?.cause;
  const code = cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `unknown host ${cause.hostname ?? ''}`.trim();
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection closed without an HTTP answer';
  // Node.js 24's fetch names the parser's error without its HPE_ code.
  if (code.startsWith('HPE_') || cause?.name === 'HTTPParserError') return 'the answer is not HTTP';
  if (code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS')) return `TLS failed (${code})`;
  return String(cause?.message ?? error?.message ?? error).split('\n')[0];
}

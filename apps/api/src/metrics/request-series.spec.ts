import { Counter, Histogram, Registry } from 'prom-client';
import { REQUEST_DURATION_BUCKETS } from './metrics.service';
import { RequestSeries } from './request-series';

const COUNTER = { name: 'http_requests_total', help: 'Requests answered.' };
const HISTOGRAM = { name: 'http_request_duration_seconds', help: 'Durations.', buckets: REQUEST_DURATION_BUCKETS };

/** The same observations through RequestSeries and through prom-client's own Counter and Histogram. */
function bothWays(observations: ReadonlyArray<readonly [string, string, number, number]>) {
  const fast = new Registry();
  const series = new RequestSeries(fast, COUNTER, HISTOGRAM);
  const reference = new Registry();
  const labelNames = ['route', 'method', 'status'];
  const counter = new Counter({ ...COUNTER, labelNames, registers: [reference] });
  const histogram = new Histogram({
    ...HISTOGRAM,
    buckets: [...HISTOGRAM.buckets],
    labelNames,
    registers: [reference],
  });
  for (const [route, method, status, seconds] of observations) {
    series.observe(route, method, status, seconds);
    const labels = { route, method, status: String(status) };
    counter.inc(labels);
    histogram.observe(labels, seconds);
  }
  return { fast, reference, series };
}

/** Durations on, between, below and past the bounds, whose sums are not exact in binary. */
const OBSERVATIONS = [
  ['/health/live', 'GET', 200, 0.0003],
  ['/api/v3/oc/numbers/removal-status/summary', 'GET', 200, 0.001],
  ['/health/live', 'GET', 200, 0.1],
  ['/api/v3/oc/numbers/removal-status/summary', 'GET', 400, 0.0025001],
  ['unmatched', 'GET', 404, 0],
  ['/health/live', 'HEAD', 200, 10],
  ['/api/v3/oc/numbers/removal-status/summary', 'GET', 200, 0.2],
  ['/api/v3/oc/numbers/removal-status/summary', 'GET', 200, 0.7],
  ['/health/live', 'GET', 200, 12.5],
  ['/health/live', 'GET', 503, 0.05],
  ['unmatched', 'GET', 404, 0.0049999],
] as const;

describe('RequestSeries', () => {
  it('shows what prom-client would for the same requests, in the text exposition', async () => {
    const { fast, reference } = bothWays(OBSERVATIONS);
    const text = await fast.metrics();
    expect(text).toBe(await reference.metrics());
    expect(text).toContain('http_requests_total{route="/health/live",method="GET",status="200"} 3');
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.1",route="/health/live",method="GET",status="200"} 2',
    );
  });

  it('and as JSON', async () => {
    const { fast, reference } = bothWays(OBSERVATIONS);
    expect(await fast.getMetricsAsJSON()).toEqual(await reference.getMetricsAsJSON());
  });

  it('shows the metrics with no series before the first request, and again after a reset', async () => {
    const { fast, reference, series } = bothWays([]);
    expect(await fast.metrics()).toBe(await reference.metrics());
    series.observe('/health/live', 'GET', 200, 0.01);
    fast.resetMetrics();
    reference.resetMetrics();
    expect(await fast.metrics()).toBe(await reference.metrics());
    expect(await fast.metrics()).not.toContain('route=');
  });

  it('keeps counting across reads of the metrics', async () => {
    const { fast, series } = bothWays(OBSERVATIONS.slice(0, 4));
    await fast.metrics();
    const { reference: whole } = bothWays(OBSERVATIONS);
    for (const [route, method, status, seconds] of OBSERVATIONS.slice(4))
      series.observe(route, method, status, seconds);
    expect(await fast.metrics()).toBe(await whole.metrics());
  });
});

import { Counter, type Registry } from 'prom-client';

/** The labels of a request's series, as the metrics show them. */
export type RequestLabels = {
  readonly route: string;
  readonly method: string;
  readonly status: string;
};

/** One series: the requests of one route, method and status, and their durations by bucket. */
interface Series {
  readonly labels: RequestLabels;
  /** Observations per bucket (not cumulative); the last one past the highest bound. */
  readonly buckets: number[];
  sum: number;
  count: number;
}

/** A value of a metric as prom-client's registry reads it (see prom-client's Histogram). */
interface MetricValue {
  labels: Record<string, string | number>;
  sharedLabels?: Readonly<Record<string, string>>;
  value: number;
  metricName: string;
  exemplar?: null;
}

interface MetricData {
  name: string;
  help: string;
  type: 'histogram';
  values: MetricValue[];
  aggregator: 'sum';
}

/**
 * The requests answered, counted and timed by route template, method and status: a counter and
 * a histogram of durations, in a prom-client registry. A request costs three look-ups in maps
 * keyed by strings whose hashes are kept, a scan of the buckets and three additions. prom-client's
 * own metrics, on every call, build a string of the labels, check them against the label names,
 * and find the bucket and the series by strings made for the call, in objects keyed by them.
 * What the registry reads is what prom-client's Counter and Histogram would show for the same
 * observations, in the same order (request-series.spec.ts compares them). The registry's
 * histogram is a view: it has no `observe`, and the counter is rebuilt from the series on each read.
 */
export class RequestSeries {
  private readonly routes = new Map<string, Map<string, Map<number, Series>>>();
  /** Every series, in the order of their first request: the order of the metrics' lines. */
  private readonly series: Series[] = [];

  constructor(
    registry: Registry,
    counter: { readonly name: string; readonly help: string },
    private readonly histogram: { readonly name: string; readonly help: string; readonly buckets: readonly number[] },
  ) {
    const all = this.series;
    new Counter({
      name: counter.name,
      help: counter.help,
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
      collect() {
        this.reset();
        for (const each of all) this.inc({ ...each.labels }, each.count);
      },
    });
    registry.registerMetric(new HistogramView(histogram, all, () => this.reset()) as never);
  }

  /** Forgets every series (the registry's resetMetrics). */
  reset(): void {
    this.routes.clear();
    this.series.length = 0;
  }

  /** Counts one request and its duration in seconds. */
  observe(route: string, method: string, status: number, seconds: number): void {
    let methods = this.routes.get(route);
    if (methods === undefined) {
      methods = new Map();
      this.routes.set(route, methods);
    }
    let statuses = methods.get(method);
    if (statuses === undefined) {
      statuses = new Map();
      methods.set(method, statuses);
    }
    let series = statuses.get(status);
    if (series === undefined) {
      series = {
        labels: { route, method, status: String(status) },
        buckets: new Array<number>(this.histogram.buckets.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      statuses.set(status, series);
      this.series.push(series);
    }
    const bounds = this.histogram.buckets;
    let bucket = 0;
    while (bucket < bounds.length && !(seconds <= bounds[bucket])) bucket++;
    series.buckets[bucket]++;
    series.sum += seconds;
    series.count++;
  }
}

/**
 * The durations as prom-client's registry reads a histogram: `le` first, then the series' labels,
 * buckets cumulative, then `+Inf`, `_sum` and `_count` (the shape of prom-client's Histogram).
 */
class HistogramView {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;

  constructor(
    private readonly histogram: { readonly name: string; readonly help: string; readonly buckets: readonly number[] },
    private readonly series: readonly Series[],
    readonly reset: () => void,
  ) {
    this.name = histogram.name;
    this.help = histogram.help;
  }

  /** For the text exposition: each value's own labels, and the series' labels shared. */
  getForPromString(): MetricData {
    const bucketName = `${this.name}_bucket`;
    const values: MetricValue[] = [];
    for (const series of this.series) {
      const shared = series.labels;
      let cumulative = 0;
      this.histogram.buckets.forEach((le, i) => {
        cumulative += series.buckets[i];
        values.push({
          labels: { le },
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
          sharedLabels: shared,
        });
      });
      values.push(
        { labels: { le: '+Inf' }, value: series.count, metricName: bucketName, exemplar: null, sharedLabels: shared },
        { labels: {}, value: series.sum, metricName: `${this.name}_sum`, sharedLabels: shared },
        { labels: {}, value: series.count, metricName: `${this.name}_count`, sharedLabels: shared },
      );
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** For JSON: each value's labels with the series' labels in them. */
  get(): MetricData {
    const data = this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...value }) => ({
      ...value,
      labels: { ...labels, ...sharedLabels },
    }));
    return data;
  }
}

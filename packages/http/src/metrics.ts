// Metrics for operators (issue 10; API.md: GET /metrics, Prometheus text format, no token). One registry per app
// (no global default registry: tests build as many apps as they like): requests by route template and status,
// latency, problem codes (rate-limit refusals among them), and whatever the service adds (store appends, projection).
import type { RequestHandler } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a store reports when instrumented (see event-store's StoreObserver): each append, each group commit. */
export interface StoreMetrics {
  appended: (seconds: number, events: number, outcome: 'ok' | 'conflict' | 'error') => void;
  committed: (appends: number, seconds: number) => void;
}

export interface Metrics {
  registry: Registry;
  /** Mount first: counts and times every request once its answer is sent. */
  track: RequestHandler;
  /** GET /metrics. */
  expose: RequestHandler;
  store: StoreMetrics;
  /** A gauge read when scraped (projection position, lag, quarantined contracts, …). */
  gauge(name: string, help: string, read: () => number | bigint | Promise<number | bigint>): void;
  counter(name: string, help: string, labelNames?: string[]): Counter;
  histogram(name: string, help: string, buckets: number[], labelNames?: string[]): Histogram;
}

/** Latency buckets in seconds: our targets are 5 ms (reads) and 25 ms (commands) at p99. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The route template an answer came from (`/contracts/:id/settlements/:quarter`), never the raw path. */
const routeOf = (req: Parameters<RequestHandler>[0]): string => {
  const route = (req as { route?: { path?: unknown } }).route?.path;
  return typeof route === 'string' ? `${req.baseUrl}${route}` : 'unmatched';
};

export const createMetrics = (service: string): Metrics => {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'ledger_' });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const histogram = (name: string, help: string, buckets: number[], labelNames: string[] = []) =>
    new Histogram({ name, help, buckets, labelNames, registers: [registry] });

  const requests = counter('ledger_http_requests_total', 'HTTP requests answered, by method, route template and status', ['method', 'route', 'status']);
  const latency = histogram('ledger_http_request_duration_seconds', 'Time to answer, by method and route template', LATENCY_BUCKETS, ['method', 'route']);
  const problems = counter('ledger_http_problems_total', 'Problem answers by stable code (rate-limited counts refusals by a limit)', ['code', 'status']);
  const appendLatency = histogram('ledger_store_append_duration_seconds', 'Time for an append to be durably committed', LATENCY_BUCKETS, ['outcome']);
  const appendEvents = histogram('ledger_store_append_events', 'Events per append', [1, 2, 5, 10, 50, 100, 1000]);
  const commitSize = histogram('ledger_store_commit_appends', 'Appends committed together by one group commit', [1, 2, 4, 8, 16, 32, 64, 128, 256, 1000]);
  const commitLatency = histogram('ledger_store_commit_duration_seconds', 'Time for one group commit', LATENCY_BUCKETS);

  const track: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = routeOf(req);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      requests.inc({ method: req.method, route, status: String(res.statusCode) });
      latency.observe({ method: req.method, route }, seconds);
      const code = (res.locals as { problemCode?: unknown }).problemCode;
      if (typeof code === 'string') problems.inc({ code, status: String(res.statusCode) });
    });
    next();
  };

  const expose: RequestHandler = (_req, res, next) => {
    registry.metrics().then((text) => {
      res.setHeader('Content-Type', registry.contentType);
      res.send(text);
    }, next);
  };

  return {
    registry,
    track,
    expose,
    store: {
      appended: (seconds, events, outcome) => {
        appendLatency.observe({ outcome }, seconds);
        if (outcome === 'ok') appendEvents.observe(events);
      },
      committed: (appends, seconds) => {
        commitSize.observe(appends);
        commitLatency.observe(seconds);
      },
    },
    gauge: (name, help, read) => {
      new Gauge({
        name,
        help,
        registers: [registry],
        async collect() {
          this.set(Number(await read()));
        },
      });
    },
    counter,
    histogram,
  };
};

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { CreatedShare } from '../shared/api.js';
import { writeFiles } from './helpers/lambda.js';
import { parsePrometheus, type PromFamily, type PromSample } from './helpers/prometheus.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

const METRICS_TOKEN = 'metrics-token-for-prometheus-0123';
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ metricsToken: METRICS_TOKEN, lambdaConcurrency: 1, lambdaUnreservedMinimum: 1 });
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': `Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties: { FunctionName: hello, Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = async (e) => { if (e.fail) throw new Error('no'); if (e.wait) await new Promise((r) => setTimeout(r, e.wait)); return 1; };" }
`,
  });
  await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'second' }) });
});
afterAll(async () => {
  await server?.stop();
});

/** The samples of a scrape, by sample name (`nimbus_lambda_invocations_total`, `…_bucket`, `…_count`). */
type Scrape = { families: Map<string, PromFamily>; samples: (name: string, labels?: Record<string, string>) => PromSample[] };

async function scrape(token = METRICS_TOKEN): Promise<Scrape> {
  const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const families = await parsePrometheus(await res.text());
  const all = families.flatMap((f) => f.samples);
  return {
    families: new Map(families.map((f) => [f.name, f])),
    samples: (name, labels = {}) => all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)),
  };
}

/** The one sample of that name and labels (NaN when there is none). */
const value = (m: Scrape, name: string, labels: Record<string, string> = {}): number => {
  const found = m.samples(name, labels);
  return found.length === 1 ? Number(found[0]?.value) : NaN;
};

const invoke = (event: unknown): Promise<Response> =>
  server.api('/api/workspaces/default/lambda/functions/hello/invoke', {
    method: 'POST',
    body: JSON.stringify({ payload: JSON.stringify(event) }),
  });

describe('GET /metrics: the Prometheus text format, for the owner token or the metrics token', () => {
  it('answers the owner token and the metrics token, and nobody else', async () => {
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) })
    ).json()) as CreatedShare;
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${share.token}` } })).status).toBe(401);
    await scrape(TEST_TOKEN);
    await scrape(METRICS_TOKEN);
  });

  it('counts workspaces by state, connections by kind, documents, terminals', async () => {
    await server.api('/api/workspaces/second/hibernate', { method: 'POST' });
    const terminal = (await (await server.api('/api/workspaces/default/terminals', { method: 'POST', body: '{}' })).json()) as {
      id: string;
    };
    const url = server.url.replace('http', 'ws');
    const sockets = [
      new WebSocket(`${url}/ws/workspaces/default/events?token=${TEST_TOKEN}`),
      new WebSocket(`${url}/ws/workspaces/default/terminals/${terminal.id}?token=${TEST_TOKEN}`),
      new WebSocket(`${url}/yjs/default/notes.md?token=${TEST_TOKEN}`),
    ];
    await Promise.all(sockets.map((ws) => new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))));
    try {
      await expect.poll(async () => value(await scrape(), 'nimbus_documents_open')).toBe(1);
      const m = await scrape();
      expect(value(m, 'nimbus_workspaces', { state: 'running' })).toBe(1);
      expect(value(m, 'nimbus_workspaces', { state: 'hibernated' })).toBe(1);
      expect(value(m, 'nimbus_connections', { kind: 'events' })).toBe(1);
      expect(value(m, 'nimbus_connections', { kind: 'terminals' })).toBe(1);
      expect(value(m, 'nimbus_connections', { kind: 'documents' })).toBe(1);
      expect(value(m, 'nimbus_connections', { kind: 'people' })).toBe(0);
      expect(value(m, 'nimbus_terminals')).toBe(1);
      // prom-client's process metrics: memory and event-loop lag.
      expect(value(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
      expect(m.families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
    } finally {
      for (const ws of sockets) ws.close();
    }
  });

  it('counts Lambda invocations by outcome and start, throttles, and their durations', async () => {
    expect((await invoke({})).status).toBe(200);
    expect((await invoke({ fail: true })).status).toBe(200);
    // Concurrency 1: a second invocation while one runs is throttled.
    const slow = invoke({ wait: 1500 });
    await expect.poll(async () => (await invoke({})).status, { timeout: 10_000 }).toBe(429);
    expect((await slow).status).toBe(200);
    const m = await scrape();
    expect(value(m, 'nimbus_lambda_invocations_total', { outcome: 'success', start: 'cold' })).toBe(1);
    expect(value(m, 'nimbus_lambda_invocations_total', { outcome: 'error', start: 'warm' })).toBe(1);
    expect(value(m, 'nimbus_lambda_throttles_total')).toBeGreaterThanOrEqual(1);
    expect(m.families.get('nimbus_lambda_duration_seconds')?.type).toBe('histogram');
    const counts = m.samples('nimbus_lambda_duration_seconds_count');
    expect(counts.reduce((n, s) => n + s.value, 0)).toBe(3);
    expect(value(m, 'nimbus_lambda_duration_seconds_bucket', { start: 'warm', le: '+Inf' })).toBe(
      value(m, 'nimbus_lambda_duration_seconds_count', { start: 'warm' }),
    );
    // The slow one (1.5 s) is in the warm 2.5 s bucket and not in the 1 s one.
    expect(
      value(m, 'nimbus_lambda_duration_seconds_bucket', { start: 'warm', le: '2.5' }) -
        value(m, 'nimbus_lambda_duration_seconds_bucket', { start: 'warm', le: '1' }),
    ).toBe(1);
    expect(value(m, 'nimbus_lambda_init_duration_seconds_count')).toBe(1);
  });

  it('times HTTP requests by route pattern, never by the values in the path', async () => {
    await server.api('/api/workspaces/default/files?path=');
    await server.api('/api/workspaces/default/file?path=template.yaml');
    const m = await scrape();
    const routes = new Set(m.samples('nimbus_http_request_duration_seconds_count').map((s) => s.labels.route));
    expect(routes).toContain('/api/workspaces/:id/files');
    expect(routes).toContain('/api/workspaces/:id/lambda/functions/:name/invoke');
    expect([...routes].some((r) => r?.includes('default'))).toBe(false);
    expect(
      value(m, 'nimbus_http_request_duration_seconds_count', { route: '/api/workspaces/:id/files', method: 'GET', status: '2xx' }),
    ).toBe(1);
  });
});

/**
 * Lambda benchmarks (npm run bench:lambda), on loopback against a real Nimbus:
 *  1. warm invoke latency through the HTTP Invoke API (SigV4-signed), against calling the same handler
 *     in-process (the floor) and the service call without HTTP;
 *  2. cold starts, Node.js and Python hello-world;
 *  3. the concurrency article's experiment: 5000 requests, 50 at a time, a handler sleeping 20–50 ms,
 *     unreserved, then with reserved concurrency 25 (asserts concurrent executions never exceed 25);
 *  4. the local HTTP API: a hello-world route at 1 and 50 concurrent clients, next to the same handler
 *     through the Invoke API (target: the HTTP API adds under 0.3 ms at p50).
 */
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { writeFiles } from '../test/helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from '../test/helpers/server.js';

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

const WARM_N = 5000;
const COLD_N = 10;
const HEY_N = 5000;
const HEY_C = 50;

const agent = new http.Agent({ keepAlive: true, maxSockets: HEY_C });

/**
 * The load generator runs in a worker thread (its own event loop, the machine's other core), as a separate
 * client program would: measuring from the server's own event loop would bill the client's work to it.
 */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { performance } = require('node:perf_hooks');
const { url, request, n, c, warmup } = workerData;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: c });
function send() {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: target.hostname, port: target.port, method: request.method, path: request.path, headers: request.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
    });
    req.on('error', reject);
    req.end(request.body);
  });
}
(async () => {
  for (let i = 0; i < warmup; i++) await send();
  const latencies = [];
  const statuses = {};
  const bodies = [];
  let started = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (started < n) {
      started++;
      const t = performance.now();
      const r = await send();
      latencies.push(performance.now() - t);
      statuses[r.status] = (statuses[r.status] || 0) + 1;
      if (r.status === 200) bodies.push(r.body);
    }
  };
  await Promise.all(Array.from({ length: c }, worker));
  const totalMs = performance.now() - t0;
  agent.destroy();
  parentPort.postMessage({ latencies, statuses, bodies, totalMs });
})();
`;

interface ClientRun {
  latencies: number[];
  statuses: Record<string, number>;
  bodies: string[];
  totalMs: number;
}

function runClient(server: TestServer, request: Signed, n: number, c: number, warmup: number): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(CLIENT, { eval: true, workerData: { url: server.url, request, n, c, warmup } });
    worker.once('message', (m: ClientRun) => resolve(m));
    worker.once('error', reject);
  });
}

interface Signed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Signs one request with the SDK's signer; a SigV4 request can be sent again unchanged for 15 minutes. */
async function sign(
  server: TestServer,
  method: string,
  pathname: string,
  body: string,
  extra: Record<string, string> = {},
): Promise<Signed> {
  const url = new URL(server.url);
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'default', secretAccessKey: TEST_TOKEN },
    region: 'us-east-1',
    service: 'lambda',
    sha256: Sha256,
  });
  const p = `/lambda/default${pathname}`;
  const req = await signer.sign({
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: p,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json', ...extra },
    body,
  });
  return { method, path: p, headers: req.headers as Record<string, string>, body };
}

function send(server: TestServer, s: Signed): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method: s.method, path: s.path, headers: s.headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(s.body);
  });
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
const ms = (v: number): string => (v < 0.01 ? `${(v * 1000).toFixed(2)} µs` : `${v.toFixed(3)} ms`);

function stats(samples: number[]): { p50: number; p99: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  return { p50: pct(s, 50), p99: pct(s, 99), mean: s.reduce((a, b) => a + b, 0) / s.length };
}

async function timeEach(n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function warmLatency(server: TestServer, root: string): Promise<boolean> {
  const invoke = await sign(server, 'POST', '/2015-03-31/functions/Hello/invocations', '{"n":1}');
  const viaHttp = (await runClient(server, invoke, WARM_N, 1, 300)).latencies;
  const svc = server.lambda.peek('default');
  if (!svc) throw new Error('no Lambda service');
  const payload = Buffer.from('{"n":1}');
  const viaService = await timeEach(WARM_N, () => svc.invoke('Hello', payload));
  const handler = (
    createRequire(import.meta.url)(path.join(root, 'node/hello.js')) as { handler: (e: unknown, c: unknown) => Promise<unknown> }
  ).handler;
  const inProcess = await timeEach(WARM_N, () => handler({ n: 1 }, {}));
  console.log(`\n### Warm invoke latency (${WARM_N} sequential invocations of a Node.js hello-world; HTTP client in a worker thread)\n`);
  console.log('| path | p50 | p99 | mean |');
  console.log('|---|---|---|---|');
  const rows: [string, number[]][] = [
    ['HTTP Invoke API (SigV4 verified) → Runtime API → Node process', viaHttp],
    ['service call (no HTTP, no SigV4) → Runtime API → Node process', viaService],
    ['handler called in-process (the floor)', inProcess],
  ];
  for (const [name, samples] of rows) {
    const s = stats(samples);
    console.log(`| ${name} | ${ms(s.p50)} | ${ms(s.p99)} | ${ms(s.mean)} |`);
  }
  const http_ = stats(viaHttp);
  const ok = http_.p50 < 1 && http_.p99 < 5;
  console.log(`\nTarget p50 < 1 ms and p99 < 5 ms through HTTP: ${ok ? 'met' : 'NOT met'}.`);
  return ok;
}

async function coldStarts(server: TestServer): Promise<boolean> {
  const svc = server.lambda.peek('default');
  if (!svc) throw new Error('no Lambda service');
  console.log(`\n### Cold start (first invocation of a fresh environment, ${COLD_N} each, through the HTTP API)\n`);
  console.log('| runtime | p50 total | max total | p50 Init Duration (reported) |');
  console.log('|---|---|---|---|');
  let ok = true;
  for (const [name, runtime] of [
    ['Hello', 'nodejs20.x'],
    ['PyHello', 'python3.12'],
  ] as const) {
    const invoke = await sign(server, 'POST', `/2015-03-31/functions/${name}/invocations`, '{}', { 'x-amz-log-type': 'Tail' });
    await send(server, invoke);
    const totals: number[] = [];
    const inits: number[] = [];
    for (let i = 0; i < COLD_N; i++) {
      svc.get(name)?.pool.codeChanged();
      await new Promise((r) => setTimeout(r, 50));
      const t = performance.now();
      const url = new URL(server.url);
      const init = await new Promise<number>((resolve, reject) => {
        const req = http.request(
          { host: url.hostname, port: url.port, method: 'POST', path: invoke.path, headers: invoke.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => {
              const log = Buffer.from(String(res.headers['x-amz-log-result'] ?? ''), 'base64').toString();
              resolve(Number(/Init Duration: ([\d.]+) ms/.exec(log)?.[1] ?? NaN));
            });
          },
        );
        req.on('error', reject);
        req.end(invoke.body);
      });
      totals.push(performance.now() - t);
      inits.push(init);
    }
    const s = stats(totals);
    const max = Math.max(...totals);
    console.log(`| ${runtime} | ${ms(s.p50)} | ${ms(max)} | ${ms(stats(inits).p50)} |`);
    if (s.p50 >= 150) ok = false;
  }
  console.log(`\nTarget cold start < 150 ms (p50): ${ok ? 'met' : 'NOT met'}.`);
  return ok;
}

/** A `hey`-like run: n requests, c at a time; prints the same sections hey prints. */
async function hey(server: TestServer, title: string, req: Signed): Promise<{ statuses: Map<number, number>; handlerOverlap: number }> {
  const run = await runClient(server, req, HEY_N, HEY_C, 0);
  const latencies = run.latencies.map((l) => l / 1000);
  const statuses = new Map(Object.entries(run.statuses).map(([k, v]) => [Number(k), v]));
  const intervals = run.bodies.map((b) => {
    const { start, end } = JSON.parse(b) as { start: number; end: number };
    return [start, end] as [number, number];
  });
  const total = run.totalMs / 1000;
  const sorted = [...latencies].sort((a, b) => a - b);
  const fastest = sorted[0] as number;
  const slowest = sorted.at(-1) as number;
  const avg = latencies.reduce((a, b) => a + b, 0) / latencies.length;
  console.log(
    `\n#### ${title}\n\n\`\`\`\nSummary:\n  Total:\t${total.toFixed(4)} secs\n  Slowest:\t${slowest.toFixed(4)} secs\n  Fastest:\t${fastest.toFixed(4)} secs`,
  );
  console.log(`  Average:\t${avg.toFixed(4)} secs\n  Requests/sec:\t${(HEY_N / total).toFixed(4)}\n\nResponse time histogram:`);
  const buckets = 10;
  const width = (slowest - fastest) / buckets || 1e-9;
  const counts = new Array<number>(buckets + 1).fill(0);
  for (const l of latencies) {
    const i = Math.min(buckets, Math.floor((l - fastest) / width));
    counts[i] = (counts[i] ?? 0) + 1;
  }
  const maxCount = Math.max(...counts);
  counts.forEach((c, i) => console.log(`  ${(fastest + i * width).toFixed(3)} [${c}]\t|${'∎'.repeat(Math.round((c / maxCount) * 40))}`));
  console.log('\nLatency distribution:');
  for (const p of [10, 25, 50, 75, 90, 95, 99]) console.log(`  ${p}% in ${pct(sorted, p).toFixed(4)} secs`);
  console.log('\nStatus code distribution:');
  for (const [status, count] of [...statuses].sort((a, b) => b[1] - a[1])) console.log(`  [${status}]\t${count} responses`);
  console.log('```');
  // Concurrency seen from inside the handlers: the most [start, end] intervals open at one instant.
  const events = intervals
    .flatMap(
      ([s, e]) =>
        [
          [s, 1],
          [e, -1],
        ] as [number, number][],
    )
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let handlerOverlap = 0;
  for (const [, d] of events) handlerOverlap = Math.max(handlerOverlap, (open += d));
  return { statuses, handlerOverlap };
}

async function concurrencyExperiment(server: TestServer): Promise<boolean> {
  const svc = server.lambda.peek('default');
  if (!svc) throw new Error('no Lambda service');
  console.log(`\n### The concurrency article's experiment (${HEY_N} requests, ${HEY_C} concurrent, Python handler sleeping 20–50 ms)`);
  const invoke = await sign(server, 'POST', '/2015-03-31/functions/Sleepy/invocations', '{}');
  const free = await hey(server, 'Unreserved', invoke);
  const unreservedPeak = svc.concurrency.peak('Sleepy');
  const put = await sign(server, 'PUT', '/2017-10-31/functions/Sleepy/concurrency', '{"ReservedConcurrentExecutions":25}');
  const putResult = await send(server, put);
  if (putResult.status !== 200) throw new Error(`PutFunctionConcurrency answered ${putResult.status}: ${putResult.body}`);
  svc.concurrency.resetPeak('Sleepy');
  const capped = await hey(server, 'Reserved concurrency 25', invoke);
  const reservedPeak = svc.concurrency.peak('Sleepy');
  const freeErrors = [...free.statuses].filter(([s]) => s !== 200).reduce((a, [, c]) => a + c, 0);
  const throttles = capped.statuses.get(429) ?? 0;
  console.log('\n| run | 200 | 429 | other | peak concurrent executions (server) | peak overlap seen by handlers |');
  console.log('|---|---|---|---|---|---|');
  for (const [name, run, peak] of [
    ['unreserved', free, unreservedPeak],
    ['reserved 25', capped, reservedPeak],
  ] as const) {
    const other = [...run.statuses].filter(([s]) => s !== 200 && s !== 429).reduce((a, [, c]) => a + c, 0);
    console.log(`| ${name} | ${run.statuses.get(200) ?? 0} | ${run.statuses.get(429) ?? 0} | ${other} | ${peak} | ${run.handlerOverlap} |`);
  }
  const ok = freeErrors === 0 && throttles > 0 && reservedPeak <= 25 && capped.handlerOverlap <= 25;
  console.log(
    `\nExpected: no errors unreserved; throttles with 25 reserved; never more than 25 concurrent: ${ok ? 'as expected' : 'NOT as expected'}.`,
  );
  return ok;
}

/** The local HTTP API (an HttpApi route, payload 2.0) against the Invoke API, same handler, same clients. */
async function httpApi(server: TestServer): Promise<boolean> {
  const invoke = await sign(server, 'POST', '/2015-03-31/functions/Hello/invocations', '{"n":1}');
  const route: Signed = {
    method: 'GET',
    path: '/api-gw/default/$default/hello',
    headers: { authorization: `Bearer ${TEST_TOKEN}` },
    body: '',
  };
  console.log(`\n### Local HTTP API vs Invoke API (a Node.js hello-world; ${WARM_N} requests per run; HTTP client in a worker thread)\n`);
  console.log('| path | clients | requests/s | p50 | p99 |');
  console.log('|---|---|---|---|---|');
  const p50s = new Map<string, number>();
  for (const c of [1, HEY_C]) {
    // Both paths measured with as many warm environments as clients (their cold starts are another table).
    if (c > 1) await runClient(server, invoke, 500, c, 0);
    for (const [name, req] of [
      ['Invoke API (SigV4)', invoke],
      ['HTTP API route (GET /hello, payload 2.0)', route],
    ] as const) {
      const run = await runClient(server, req, WARM_N, c, 300);
      const bad = Object.entries(run.statuses).filter(([status]) => status !== '200');
      if (bad.length) throw new Error(`${name}: answers ${JSON.stringify(run.statuses)}`);
      const s = stats(run.latencies);
      if (c === 1) p50s.set(name, s.p50);
      console.log(`| ${name} | ${c} | ${Math.round((WARM_N / run.totalMs) * 1000)} | ${ms(s.p50)} | ${ms(s.p99)} |`);
    }
  }
  const added = (p50s.get('HTTP API route (GET /hello, payload 2.0)') ?? 0) - (p50s.get('Invoke API (SigV4)') ?? 0);
  const ok = added < 0.3;
  console.log(`\nThe HTTP API adds ${ms(added)} at p50 to the Invoke path (1 client); target < 0.3 ms: ${ok ? 'met' : 'NOT met'}.`);
  return ok;
}

async function main(): Promise<void> {
  const server = await startTestServer({}, ['--lambda-idle-seconds', '600']);
  const root = server.workspaces.rootOf('default');
  writeFiles(root, {
    'template.yaml': `Resources:
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: node
      Handler: hello.handler
      Events:
        Hi: { Type: HttpApi, Properties: { Path: /hello, Method: get } }
  PyHello:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, CodeUri: py, Handler: hello.handler }
  Sleepy:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.12, CodeUri: py, Handler: sleepy.handler, Timeout: 10 }
`,
    'node/hello.js': 'exports.handler = async () => ({ hello: "world" });',
    'py/hello.py': 'def handler(event, context):\n    return {"hello": "world"}\n',
    'py/sleepy.py': `import random, time
def handler(event, context):
    start = time.time() * 1000
    time.sleep(random.uniform(0.020, 0.050))
    return {"start": start, "end": time.time() * 1000}
`,
  });
  const cpus = os.cpus();
  console.log(
    `## Lambda benchmark — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus.length} × ${cpus[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB`,
  );
  try {
    // `npm run bench:lambda -- warm cold concurrency http` runs some parts only (all by default).
    const parts = process.argv.slice(2);
    const wanted = (part: string): boolean => parts.length === 0 || parts.includes(part);
    const results = [
      wanted('warm') ? await warmLatency(server, root) : true,
      wanted('cold') ? await coldStarts(server) : true,
      wanted('concurrency') ? await concurrencyExperiment(server) : true,
      wanted('http') ? await httpApi(server) : true,
    ];
    if (results.some((r) => !r)) process.exitCode = 1;
  } finally {
    agent.destroy();
    await server.stop();
  }
}

await main();

import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environmentPids, invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';
import { createTerminal, TerminalTestClient } from './helpers/terminal.js';

// Each execution environment serves the Runtime API on a loopback port. Any process that finds the
// port used to be able to take the next invocation (payload, request id, ARN) and answer it.
let server: TestServer;

const TEMPLATE = (fn: string, handler: string): string => `Resources:
  ${fn}:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: fn, Handler: index.handler, Timeout: 20, FunctionName: ${handler} }
`;

/** B's function: for `ms`, takes whatever the Runtime API at `port` hands out and answers it with a forgery. */
const THIEF = `const http = require('node:http');
const call = (port, method, path, body) => new Promise((resolve) => {
  const req = http.request({ host: '127.0.0.1', port, method, path, timeout: 300 }, (res) => {
    let data = ''; res.on('data', (d) => (data += d)); res.on('end', () => resolve({ status: res.statusCode, id: res.headers['lambda-runtime-aws-request-id'], data }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (err) => resolve({ error: err.code || err.message }));
  req.end(body);
});
exports.handler = async (event) => {
  const taken = []; const errors = {};
  const end = Date.now() + event.ms;
  while (Date.now() < end) {
    const r = await call(event.port, 'GET', '/2018-06-01/runtime/invocation/next');
    if (r.error) { errors[r.error] = (errors[r.error] || 0) + 1; continue; }
    taken.push(r.data);
    if (r.id) await call(event.port, 'POST', '/2018-06-01/runtime/invocation/' + r.id + '/response', JSON.stringify({ forged: true }));
  }
  return { taken, errors };
};`;

beforeAll(async () => {
  server = await startTestServer();
  await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'other' }) });
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': TEMPLATE('Echo', 'echo'),
    'fn/index.js': `exports.handler = async (event) => ({ from: 'A', secret: event.secret });`,
  });
  writeFiles(server.workspaces.rootOf('other'), { 'template.yaml': TEMPLATE('Thief', 'thief'), 'fn/index.js': THIEF });
});
afterAll(async () => {
  await server.stop();
});

/** The Runtime API port of A's warm environment, as a process scanning the machine would find it. */
async function runtimePortOfA(): Promise<number> {
  await invoke(lambdaClient(server), 'echo', { secret: 'warm-up' });
  const pid = server.lambda.peek('default')?.get('echo')?.pool.pids()[0] as number;
  const stream = fs
    .readFileSync(`/proc/${pid}/environ`, 'latin1')
    .split('\0')
    .find((v) => v.startsWith('AWS_LAMBDA_LOG_STREAM_NAME='))
    ?.split('=')[1] as string;
  expect(environmentPids(stream).length).toBeGreaterThan(0);
  const api = fs
    .readFileSync(`/proc/${pid}/environ`, 'latin1')
    .split('\0')
    .find((v) => v.startsWith('AWS_LAMBDA_RUNTIME_API='));
  return Number(api?.split(':')[1]);
}

/** Invokes A `n` times in a row; every answer must be A's own, with its own payload. */
async function invokeALoop(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const r = await invoke(lambdaClient(server), 'echo', { secret: `s-${i}` });
    expect(r.functionError).toBeUndefined();
    expect(r.body).toEqual({ from: 'A', secret: `s-${i}` });
  }
}

describe("only an execution environment's own processes reach its Runtime API", () => {
  it('a function of workspace B takes nothing and answers nothing while A is invoked in a loop', async () => {
    const port = await runtimePortOfA();
    const otherClient = lambdaClient(server, { workspace: 'other' });
    const [thief] = await Promise.all([invoke(otherClient, 'thief', { port, ms: 3000 }), invokeALoop(25)]);
    const report = thief.body as { taken: string[]; errors: Record<string, number> };
    expect(report.taken).toEqual([]);
    expect(Object.keys(report.errors).length).toBeGreaterThan(0); // it did try
  });

  it('a terminal of workspace B, and a process outside every workspace, get nothing either', async () => {
    const port = await runtimePortOfA();
    const info = await createTerminal(server, 'other');
    const term = await TerminalTestClient.open(server, info.id, { workspaceId: 'other' });
    const loop = invokeALoop(15);
    term.input(
      `for i in 1 2 3 4 5 6; do curl -s -m 1 http://127.0.0.1:${port}/2018-06-01/runtime/invocation/next; echo " rc=$?"; done; echo DONE-$((40+2))\r`,
    );
    // From the machine itself (not the server): the connection is cut at once.
    const outside = await new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/2018-06-01/runtime/invocation/next', timeout: 2000 }, (res) =>
          resolve(`status ${res.statusCode}`),
        )
        .on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
    await term.waitForText('DONE-42', 20_000);
    await loop;
    expect(term.text).not.toMatch(/"secret"/);
    expect(term.text).toMatch(/rc=(52|56|7)/); // empty reply / connection reset / refused
    expect(outside).toMatch(/ECONNRESET|socket hang up/);
    await term.close();
  });
});

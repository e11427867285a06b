import fs from 'node:fs';
import path from 'node:path';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, ENV_ID, eventually, invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let client: LambdaClient;
let root: string;

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 10
Resources:
  Counter:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: counter, Handler: app.handler }
  Slow:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: slow, Handler: app.handler }
  Idle:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: counter, Handler: app.handler, FunctionName: idle-fn }
`;

// Module scope runs once per environment (init); the handler runs per invocation.
const counter = (version: string): string =>
  `const initialisedAt = Date.now(); let invocations = 0;
   exports.handler = async () => ({ version: '${version}', pid: ${ENV_ID}, initialisedAt, invocations: ++invocations });`;

const slow = (version: string): string =>
  `exports.handler = async (event) => { await new Promise((r) => setTimeout(r, event.ms ?? 300)); return { version: '${version}', pid: ${ENV_ID} }; };`;

beforeAll(async () => {
  server = await startTestServer({}, ['--lambda-idle-seconds', '1']);
  root = server.workspaces.rootOf('default');
  writeFiles(root, { 'template.yaml': TEMPLATE, 'counter/app.js': counter('v1'), 'slow/app.js': slow('v1') });
  client = lambdaClient(server);
});
afterAll(async () => {
  await server.stop();
});

interface Result {
  version: string;
  /** The execution environment (its log stream name). */
  pid: string;
  initialisedAt?: number;
  invocations?: number;
}

describe('Lambda execution environments: one process each, reused warm, reclaimed when idle, retired on code changes', () => {
  it('runs init once and reuses the warm process for the following invocations', async () => {
    const first = await invoke(client, 'Counter');
    const second = await invoke(client, 'Counter');
    const third = await invoke(client, 'Counter');
    const bodies = [first, second, third].map((r) => r.body as Result);
    expect(new Set(bodies.map((b) => b.pid)).size).toBe(1);
    expect(new Set(bodies.map((b) => b.initialisedAt)).size).toBe(1);
    expect(bodies.map((b) => b.invocations)).toEqual([1, 2, 3]);
    expect(first.log).toMatch(/Init Duration: \d+\.\d\d ms/);
    expect(second.log).not.toMatch(/Init Duration/);
    expect(alive(bodies[0]?.pid as string)).toBe(true);
  });

  it('gives concurrent invocations their own processes', async () => {
    const results = await Promise.all([1, 2, 3].map(() => invoke(client, 'Slow', { ms: 400 })));
    const pids = results.map((r) => (r.body as Result).pid);
    expect(new Set(pids).size).toBe(3);
    expect(server.lambda.peek('default')?.get('Slow')?.pool.environments).toBe(3);
  });

  it('reclaims an environment that stayed idle longer than the configured time', async () => {
    const { pid } = (await invoke(client, 'idle-fn')).body as Result;
    expect(alive(pid)).toBe(true);
    await eventually(() => (alive(pid) ? undefined : true), 5000, 'the idle environment to be reclaimed');
    const again = await invoke(client, 'idle-fn');
    expect((again.body as Result).pid).not.toBe(pid);
    expect(again.log).toMatch(/Init Duration/);
  });

  it('retires idle environments when the code changes, so the next invocation runs the new code', async () => {
    const before = (await invoke(client, 'Counter')).body as Result;
    expect(before.version).toBe('v1');
    const lastModified = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Counter' }))).LastModified;
    fs.writeFileSync(path.join(root, 'counter/app.js'), counter('v2'));
    await eventually(
      async () => {
        const now = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Counter' }))).LastModified;
        return now !== lastModified ? true : undefined;
      },
      10_000,
      'the code change to be noticed',
    );
    const after = await invoke(client, 'Counter');
    expect(after.body).toMatchObject({ version: 'v2', invocations: 1 });
    expect((after.body as Result).pid).not.toBe(before.pid);
    await eventually(() => (alive(before.pid) ? undefined : true), 5000, 'the old environment to exit');
  });

  it('lets an invocation in flight finish on the old code, then retires its environment', async () => {
    const lastModified = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Slow' }))).LastModified;
    // Warm first, so the invocation in flight runs in an environment that loaded the old code.
    await invoke(client, 'Slow', { ms: 1 });
    const inFlight = invoke(client, 'Slow', { ms: 1500 });
    await new Promise((r) => setTimeout(r, 200));
    fs.writeFileSync(path.join(root, 'slow/app.js'), slow('v2'));
    await eventually(
      async () => {
        const now = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Slow' }))).LastModified;
        return now !== lastModified ? true : undefined;
      },
      10_000,
      'the code change to be noticed',
    );
    const fresh = (await invoke(client, 'Slow', { ms: 1 })).body as Result;
    expect(fresh.version).toBe('v2');
    const old = (await inFlight).body as Result;
    expect(old.version).toBe('v1');
    expect(old.pid).not.toBe(fresh.pid);
    await eventually(() => (alive(old.pid) ? undefined : true), 5000, 'the old environment to be retired');
    expect(((await invoke(client, 'Slow', { ms: 1 })).body as Result).version).toBe('v2');
  });

  it('kills every environment process when the workspace hibernates, answering the invocations in flight', async () => {
    const pids = (await Promise.all([invoke(client, 'Slow', { ms: 200 }), invoke(client, 'Counter')])).map((r) => (r.body as Result).pid);
    expect(pids.every(alive)).toBe(true);
    const inFlight = invoke(client, 'Slow', { ms: 5000 });
    await eventually(
      () => (server.lambda.peek('default')?.concurrency.runningCount('Slow') ? true : undefined),
      5000,
      'an invocation in flight',
    );
    await new Promise((r) => setTimeout(r, 100));
    const res = await server.api('/api/workspaces/default/hibernate', { method: 'POST' });
    expect(res.status).toBe(200);
    await eventually(() => (pids.some(alive) ? undefined : true), 5000, 'the processes to be killed');
    const stopped = await inFlight;
    expect(stopped.functionError).toBe('Unhandled');
    expect(stopped.body).toMatchObject({ errorType: 'Runtime.ExitError', errorMessage: expect.stringMatching(/signal: killed$/) });
    // The next invocation wakes the workspace and starts cold.
    const woken = await invoke(client, 'Counter');
    expect(woken.body).toMatchObject({ version: 'v2', invocations: 1 });
  });
});

describe('a workspace that just woke', () => {
  it('picks up a template changed before its file watcher finished setting up', async () => {
    // Many folders make the watcher's first walk long; a template among them is changed as soon as it is listed.
    const late = (timeout: number): string =>
      `Resources:\n  Late:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: ., Handler: app.handler, Runtime: nodejs20.x, Timeout: ${timeout} }\n`;
    for (let i = 0; i < 3000; i++) fs.mkdirSync(path.join(root, 'many', `d${i}`, 'src'), { recursive: true });
    writeFiles(root, { 'many/d2999/src/template.yaml': late(3), 'many/d2999/src/app.js': counter('late') });
    try {
      expect((await server.api('/api/workspaces/default/hibernate', { method: 'POST' })).status).toBe(200);
      expect((await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Late' }))).Timeout).toBe(3);
      fs.writeFileSync(path.join(root, 'many/d2999/src/template.yaml'), late(7));
      await eventually(
        async () => ((await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Late' }))).Timeout === 7 ? true : undefined),
        10_000,
        'the changed template to be read',
      );
    } finally {
      fs.rmSync(path.join(root, 'many'), { recursive: true, force: true });
    }
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { decodeWorkspaceEvent, type WorkspaceEvent } from '../shared/protocol/events.js';
import type { LambdaRun } from '../shared/lambda.js';
import { writeFiles } from './helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
let dataDir: string;

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Resources:
  Adder:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      InlineCode: "exports.handler = async (e) => ({ sum: e.a + e.b });"
      Handler: index.handler
      Events:
        Get: { Type: HttpApi, Properties: { Path: /add, Method: get } }
  Other:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, InlineCode: "exports.handler = async () => 1;", Handler: index.handler }
  Env:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => { console.log('token is', process.env.API_TOKEN); const { A, B, NEW, API_TOKEN } = process.env; return { A, B, NEW, API_TOKEN }; };"
      Environment: { Variables: { A: template-a, B: template-b } }
  Ticker:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      Timeout: 10
      InlineCode: "exports.handler = async (e) => { console.log('tick one'); while (!require('fs').existsSync(e.gate)) await new Promise((r) => setTimeout(r, 20)); console.log('tick two'); return 'done'; };"
`;

const invoke = (name: string, payload: unknown, by?: string, token?: string, environment?: Record<string, string>): Promise<Response> =>
  server.api(`/api/workspaces/default/lambda/functions/${name}/invoke`, {
    method: 'POST',
    body: JSON.stringify({ payload: JSON.stringify(payload), ...(by ? { by } : {}), ...(environment ? { environment } : {}) }),
    ...(token ? { token } : {}),
  });

const history = async (name: string): Promise<LambdaRun[]> =>
  (await (await server.api(`/api/workspaces/default/lambda/invocations?function=${name}`)).json()) as LambdaRun[];

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-runs-'));
  server = await startTestServer({ dataDir });
  writeFiles(server.workspaces.rootOf('default'), { 'template.yaml': TEMPLATE });
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  await server?.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the run history: the last 50 runs of each function, who ran them, kept on the server', () => {
  it('keeps each run with its event, outcome and who ran it, newest first, 50 per function', async () => {
    for (let i = 0; i < 55; i++) expect((await invoke('Adder', { a: i, b: 1 }, 'Ann')).status).toBe(200);
    const runs = await history('Adder');
    expect(runs).toHaveLength(50);
    expect(runs[0]).toMatchObject({ functionName: 'Adder', by: 'Ann (owner)', event: '{"a":54,"b":1}', payload: '{"sum":55}' });
    expect(runs[49]?.event).toBe('{"a":5,"b":1}');
    expect(runs[0]?.log).toMatch(/REPORT RequestId/);
    expect(await history('Other')).toEqual([]);
  });

  it('says who: a share link’s user, the HTTP API, the Lambda API', async () => {
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) })
    ).json()) as {
      token: string;
    };
    await invoke('Adder', { a: 1, b: 1 }, 'Bob', share.token);
    expect((await history('Adder'))[0]).toMatchObject({ by: 'Bob (write link)' });
    expect((await server.api('/api/workspaces/default/lambda/invocations?function=Adder', { token: share.token })).status).toBe(200);
    await server.api('/api-gw/default/$default/add');
    expect((await history('Adder'))[0]).toMatchObject({ by: 'HTTP API GET /add' });
  });

  it('is still there after a restart', async () => {
    const before = await history('Adder');
    await server.stop();
    server = await startTestServer({ dataDir });
    expect(await history('Adder')).toEqual(before);
  });
});

describe('environment variables per run and per function (the SAM CLI’s --env-vars)', () => {
  const envOf = async (environment?: Record<string, string>): Promise<{ body: Record<string, string>; log: string }> => {
    const res = await invoke('Env', {}, undefined, undefined, environment);
    expect(res.status).toBe(200);
    const inv = (await res.json()) as { payload: string; log: string };
    return { body: JSON.parse(inv.payload) as Record<string, string>, log: inv.log };
  };

  it('.nimbus/env.json sets variables for every function and for one, new ones too', async () => {
    expect((await envOf()).body).toEqual({ A: 'template-a', B: 'template-b' });
    writeFiles(server.workspaces.rootOf('default'), {
      '.nimbus/env.json': JSON.stringify({ Parameters: { B: 'all-b' }, Env: { NEW: 'from-file', A: 7 } }),
    });
    await expect.poll(async () => (await envOf()).body, { timeout: 10_000 }).toEqual({ A: '7', B: 'all-b', NEW: 'from-file' });
  });

  it('a run’s own variables win for that run only; secret-looking values are masked in the log and the response', async () => {
    const run = await envOf({ A: 'run-a', API_TOKEN: 'supersecret123' });
    expect(run.body).toEqual({ A: 'run-a', B: 'all-b', NEW: 'from-file', API_TOKEN: '****' });
    expect(run.log).toContain('token is ****');
    expect(run.log).not.toContain('supersecret123');
    expect((await history('Env'))[0]?.payload).not.toContain('supersecret123');
    // The next run without them gets an environment without them.
    expect((await envOf()).body).toEqual({ A: '7', B: 'all-b', NEW: 'from-file' });
  });

  it('refuses the variables Lambda reserves, and names that are not variable names', async () => {
    const refused: Record<string, string>[] = [{ AWS_REGION: 'x' }, { AWS_LAMBDA_FUNCTION_NAME: 'x' }, { 'NOT-A-NAME': 'x' }];
    for (const environment of refused) {
      expect((await invoke('Env', {}, undefined, undefined, environment)).status).toBe(400);
    }
  });
});

describe('a run view sees the output while the function runs', () => {
  it('publishes what the function prints as it prints it, to the workspace’s clients', async () => {
    const events: WorkspaceEvent[] = [];
    const ws = new WebSocket(server.wsUrl(`/ws/workspaces/default/events?token=${TEST_TOKEN}`));
    ws.on('message', (data) => {
      const event = decodeWorkspaceEvent(data.toString());
      if (event) events.push(event);
    });
    await new Promise((resolve) => ws.once('message', resolve));
    try {
      const logged = (text: string): boolean => events.some((e) => e.type === 'lambda-log' && e.runId === 'run-1' && e.text.includes(text));
      // The function waits for this file: the test writes it once the first line has arrived.
      const gate = path.join(server.workspaces.rootOf('default'), 'ticker-gate');
      let answered = false;
      const running = server
        .api('/api/workspaces/default/lambda/functions/Ticker/invoke', {
          method: 'POST',
          body: JSON.stringify({ payload: JSON.stringify({ gate }), runId: 'run-1' }),
        })
        .then(async (res) => {
          answered = true;
          return (await res.json()) as { payload: string };
        });
      // The first line arrives while the function still waits.
      await expect.poll(() => logged('tick one'), { timeout: 8000 }).toBe(true);
      expect(answered).toBe(false);
      fs.writeFileSync(gate, '');
      expect(JSON.parse((await running).payload)).toBe('done');
      expect(events.find((e) => e.type === 'lambda-log')).toMatchObject({ functionName: 'Ticker', runId: 'run-1' });
    } finally {
      ws.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import type { LambdaFunctionList, LambdaInvocation } from '../shared/lambda.js';
import { eventually, invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let readToken: string;
let writeToken: string;

beforeAll(async () => {
  server = await startTestServer({}, ['--lambda-retry-delays', '50,50']);
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': `Parameters:
  Missing: { Type: String }
Resources:
  Greeter:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: fn
      Handler: index.handler
      ReservedConcurrentExecutions: 3
      Environment: { Variables: { NEEDS: !Ref Missing } }
      Events: { Hourly: { Type: Schedule, Properties: { Schedule: rate(1 hour) } } }
  Broken:
    Type: AWS::Serverless::Function
    Properties: { Runtime: ruby3.3, CodeUri: fn, Handler: index.handler }
`,
    'fn/index.js': `exports.handler = async (event) => { if (event.fail) throw new Error('nope'); return { hi: event.name ?? 'there' }; };`,
  });
  // Running, as when its owner or an editor has it open: a read-only link does not wake a workspace.
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
  for (const role of ['read', 'write'] as const) {
    const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
    const share = (await res.json()) as CreatedShare;
    if (role === 'read') readToken = share.token;
    else writeToken = share.token;
  }
});
afterAll(async () => {
  await server.stop();
});

const invokeUrl = '/api/workspaces/default/lambda/functions/Greeter/invoke';

describe('the sidebar REST routes', () => {
  it('list the functions, their reservations, events and warnings, and the template problems (read access)', async () => {
    const res = await server.api('/api/workspaces/default/lambda/functions', { token: readToken });
    expect(res.status).toBe(200);
    const list = (await res.json()) as LambdaFunctionList;
    expect(list.concurrency).toEqual({ limit: 1000, unreserved: 997 });
    expect(list.functions).toEqual([
      expect.objectContaining({
        name: 'Greeter',
        logicalId: 'Greeter',
        template: 'template.yaml',
        line: 4,
        runtime: 'nodejs20.x',
        codeUri: 'fn',
        reservedConcurrency: 3,
        events: [{ name: 'Hourly', type: 'Schedule' }],
        warnings: [expect.stringMatching(/NEEDS: !Ref Missing \(parameter Missing has no value: no Default, and no override\)/)],
      }),
    ]);
    expect(list.problems).toEqual([
      expect.objectContaining({ file: 'template.yaml', parameter: 'Missing', severity: 'warning' }),
      expect.objectContaining({
        file: 'template.yaml',
        line: 13,
        logicalId: 'Broken',
        message: expect.stringMatching(/ruby3\.3 is not supported/),
      }),
    ]);
  });

  it('invoke for owners and write shares, refuse read shares, bad JSON and unknown functions', async () => {
    const ok = await server.api(invokeUrl, { method: 'POST', token: writeToken, body: JSON.stringify({ payload: '{"name":"share"}' }) });
    expect(ok.status).toBe(200);
    const inv = (await ok.json()) as LambdaInvocation;
    expect(inv).toMatchObject({
      functionName: 'Greeter',
      invocationType: 'RequestResponse',
      attempt: 1,
      payload: '{"hi":"share"}',
      memorySizeMb: 128,
    });
    expect(inv.functionError).toBeUndefined();
    expect(inv.log).toMatch(/^INIT_START[\s\S]*REPORT RequestId: /);
    expect((await server.api(invokeUrl, { method: 'POST', token: readToken, body: JSON.stringify({ payload: '{}' }) })).status).toBe(403);
    const bad = await server.api(invokeUrl, { method: 'POST', body: JSON.stringify({ payload: '{oops' }) });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('InvalidRequestContentException');
    expect(
      (
        await server.api('/api/workspaces/default/lambda/functions/Nope/invoke', {
          method: 'POST',
          body: JSON.stringify({ payload: '{}' }),
        })
      ).status,
    ).toBe(404);
  });

  it('answer a throttle as 429 with the reason', async () => {
    await server.api('/api/workspaces/default/lambda/functions', {});
    server.lambda.peek('default')?.setReserved('Greeter', 0);
    const res = await server.api(invokeUrl, { method: 'POST', body: JSON.stringify({ payload: '{}' }) });
    expect(res.status).toBe(429);
    expect(await res.json()).toEqual({
      error: { code: 'TooManyRequestsException', message: 'Rate Exceeded. (ReservedFunctionConcurrentInvocationLimitExceeded)' },
    });
    server.lambda.peek('default')?.setReserved('Greeter', 3);
  });

  it('show recent invocations, asynchronous attempts included', async () => {
    expect((await invoke(lambdaClient(server), 'Greeter', { fail: true }, 'Event')).status).toBe(202);
    const recent = await eventually(
      async () => {
        const list = (await (
          await server.api('/api/workspaces/default/lambda/invocations?function=Greeter', { token: readToken })
        ).json()) as LambdaInvocation[];
        return list.filter((i) => i.invocationType === 'Event').length === 3 ? list : undefined;
      },
      10_000,
      'three attempts',
    );
    const events = recent.filter((i) => i.invocationType === 'Event');
    expect(events.map((i) => i.attempt)).toEqual([3, 2, 1]);
    expect(new Set(events.map((i) => i.requestId)).size).toBe(1);
    expect(events.every((i) => i.functionError === 'Unhandled' && i.errorType === 'Error')).toBe(true);
    expect(recent.at(-1)?.invocationType).toBe('RequestResponse');
  });
});

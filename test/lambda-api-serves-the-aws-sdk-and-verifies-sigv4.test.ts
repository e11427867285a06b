import { createHash } from 'node:crypto';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  InvokeCommand,
  ListFunctionsCommand,
  paginateListFunctions,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
let client: LambdaClient;
let accountId: string;

const fillers = Array.from(
  { length: 54 },
  (_, i) =>
    `  F${String(i).padStart(2, '0')}:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = async () => ${i};" }\n`,
);

beforeAll(async () => {
  server = await startTestServer();
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': `Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      CodeUri: echo
      Handler: index.handler
      MemorySize: 192
      Timeout: 4
      Description: echoes its event
      Environment: { Variables: { GREETING: hi } }
${fillers.join('')}`,
    'echo/index.js': `exports.handler = async (event, context) => {
      if (event.noisy) for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'y'.repeat(60));
      return { event, clientContext: context.clientContext ?? null };
    };`,
  });
  client = lambdaClient(server);
  accountId = ((await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Echo' }))).FunctionArn as string).split(
    ':',
  )[4] as string;
  const other = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'other' }) });
  expect(other.status).toBe(201);
});
afterAll(async () => {
  await server.stop();
});

const failureOf = async (promise: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> => {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message };
  }
  throw new Error('expected a failure');
};

async function share(workspace: string, role: 'read' | 'write'): Promise<CreatedShare> {
  const res = await server.api(`/api/workspaces/${workspace}/shares`, { method: 'POST', body: JSON.stringify({ role }) });
  expect(res.status).toBe(201);
  return (await res.json()) as CreatedShare;
}

describe('Invoke through the unmodified AWS SDK', () => {
  it('answers RequestResponse with the payload, $LATEST and the last 4 KB of the log', async () => {
    const r = await invoke(client, 'Echo', { noisy: true });
    expect(r.status).toBe(200);
    expect(r.executedVersion).toBe('$LATEST');
    expect(r.body).toEqual({ event: { noisy: true }, clientContext: null });
    expect(Buffer.byteLength(r.log)).toBeLessThanOrEqual(4096);
    expect(Buffer.byteLength(r.log)).toBeGreaterThan(3500);
    expect(r.log.trimEnd().split('\n').at(-1)).toMatch(/^REPORT RequestId: /);
    expect(r.log).toContain('line 199');
  });

  it('answers DryRun with 204 and Event with 202', async () => {
    expect((await client.send(new InvokeCommand({ FunctionName: 'Echo', InvocationType: 'DryRun' }))).StatusCode).toBe(204);
    expect(
      (await client.send(new InvokeCommand({ FunctionName: 'Echo', InvocationType: 'Event', Payload: Buffer.from('{}') }))).StatusCode,
    ).toBe(202);
  });

  it('passes the client context to the function', async () => {
    const r = await client.send(
      new InvokeCommand({ FunctionName: 'Echo', ClientContext: Buffer.from(JSON.stringify({ custom: { a: 1 } })).toString('base64') }),
    );
    expect(JSON.parse(Buffer.from(r.Payload as Uint8Array).toString())).toEqual({ event: {}, clientContext: { custom: { a: 1 } } });
  });

  it('accepts the function by name, name:$LATEST, partial ARN and full ARN', async () => {
    for (const name of ['Echo', 'Echo:$LATEST', `${accountId}:function:Echo`, `arn:aws:lambda:us-east-1:${accountId}:function:Echo`]) {
      expect((await invoke(client, name, { name })).body).toMatchObject({ event: { name } });
    }
  });

  it('answers AWS errors: unknown functions and qualifiers, bad JSON, unimplemented operations', async () => {
    expect(await failureOf(invoke(client, 'Nope'))).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: `Function not found: arn:aws:lambda:us-east-1:${accountId}:function:Nope`,
    });
    expect(await failureOf(client.send(new InvokeCommand({ FunctionName: 'Echo', Qualifier: 'v1' })))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await failureOf(invoke(client, 'arn:aws:lambda:us-east-1:000000000000:function:Echo'))).toMatchObject({
      name: 'ResourceNotFoundException',
      status: 404,
    });
    expect(await failureOf(client.send(new InvokeCommand({ FunctionName: 'Echo', Payload: Buffer.from('{not json') })))).toMatchObject({
      name: 'InvalidRequestContentException',
      status: 400,
    });
    const create = client.send(new CreateFunctionCommand({ FunctionName: 'X', Role: 'r', Code: { ZipFile: new Uint8Array([1]) } }));
    expect(await failureOf(create)).toMatchObject({ name: 'UnknownOperationException', status: 404 });
  });
});

describe('ListFunctions, GetFunction and GetFunctionConfiguration', () => {
  it('pages ListFunctions by Marker, at most 50 at a time', async () => {
    const first = await client.send(new ListFunctionsCommand({}));
    expect(first.Functions).toHaveLength(50);
    expect(first.NextMarker).toBeTruthy();
    const second = await client.send(new ListFunctionsCommand({ Marker: first.NextMarker }));
    expect(second.Functions).toHaveLength(5);
    expect(second.NextMarker).toBeUndefined();
    expect((await client.send(new ListFunctionsCommand({ MaxItems: 500 }))).Functions).toHaveLength(50);
    const names: string[] = [];
    for await (const page of paginateListFunctions({ client, pageSize: 20 }, {})) {
      expect(page.Functions?.length).toBeLessThanOrEqual(20);
      names.push(...(page.Functions ?? []).map((f) => f.FunctionName as string));
    }
    expect(names).toEqual(['Echo', ...fillers.map((_, i) => `F${String(i).padStart(2, '0')}`)].sort());
  });

  it('describes a function like Lambda and links a short-lived zip of its code', async () => {
    const got = await client.send(new GetFunctionCommand({ FunctionName: 'Echo' }));
    const config = got.Configuration;
    expect(config).toMatchObject({
      FunctionName: 'Echo',
      FunctionArn: `arn:aws:lambda:us-east-1:${accountId}:function:Echo`,
      Runtime: 'nodejs20.x',
      Handler: 'index.handler',
      MemorySize: 192,
      Timeout: 4,
      Description: 'echoes its event',
      Version: '$LATEST',
      Environment: { Variables: { GREETING: 'hi' } },
      PackageType: 'Zip',
      State: 'Active',
      Architectures: ['x86_64'],
    });
    expect(config?.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(config?.CodeSize).toBeGreaterThan(100);
    expect(config?.LastModified).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
    expect(await client.send(new GetFunctionConfigurationCommand({ FunctionName: 'Echo' }))).toMatchObject({
      ...config,
      $metadata: expect.anything(),
    });
    expect(got.Code?.RepositoryType).toBe('S3');
    const zip = await fetch(got.Code?.Location as string);
    expect(zip.status).toBe(200);
    const bytes = Buffer.from(await zip.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(bytes.includes(Buffer.from('index.js'))).toBe(true);
    const forged = new URL(got.Code?.Location as string);
    forged.searchParams.set('expires', String(Number(forged.searchParams.get('expires')) + 3600));
    expect((await fetch(forged)).status).toBe(403);
  });
});

class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

/** Signs a request by hand (the SDK's signer), so that tests can tamper with what was signed. */
async function signed(body: string, options: { secret?: string; date?: Date } = {}): Promise<{ url: string; init: RequestInit }> {
  const url = new URL(`${server.url}/lambda/default/2015-03-31/functions/Echo/invocations`);
  const signer = new SignatureV4({
    credentials: { accessKeyId: 'default', secretAccessKey: options.secret ?? TEST_TOKEN },
    region: 'us-east-1',
    service: 'lambda',
    sha256: Sha256,
  });
  const request = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, 'content-type': 'application/json' },
      body,
    },
    options.date ? { signingDate: options.date } : {},
  );
  return { url: url.href, init: { method: 'POST', headers: request.headers, body } };
}

describe('requests are authenticated by SigV4: access key id = workspace id, secret = owner or write-share token', () => {
  it('refuses unsigned requests with 403', async () => {
    const res = await fetch(`${server.url}/lambda/default/2015-03-31/functions/Echo/invocations`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers.get('x-amzn-errortype')).toBe('MissingAuthenticationTokenException');
  });

  it('refuses a wrong secret, and an access key id that is not this workspace', async () => {
    expect(await failureOf(invoke(lambdaClient(server, { secret: 'not-the-owner-token-at-all' }), 'Echo'))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
    expect(await failureOf(invoke(lambdaClient(server, { accessKeyId: 'other' }), 'Echo'))).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 403,
    });
    expect(await failureOf(invoke(lambdaClient(server, { workspace: 'nonexistent' }), 'Echo'))).toMatchObject({
      name: 'UnrecognizedClientException',
      status: 403,
    });
  });

  it("accepts a write share of the workspace, refuses read shares, other workspaces' shares and revoked shares", async () => {
    const write = await share('default', 'write');
    const read = await share('default', 'read');
    const elsewhere = await share('other', 'write');
    expect((await invoke(lambdaClient(server, { secret: write.token }), 'Echo', { via: 'share' })).body).toMatchObject({
      event: { via: 'share' },
    });
    expect(await failureOf(invoke(lambdaClient(server, { secret: read.token }), 'Echo'))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
    expect(await failureOf(invoke(lambdaClient(server, { secret: elsewhere.token }), 'Echo'))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
    expect((await server.api(`/api/workspaces/default/shares/${write.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(await failureOf(invoke(lambdaClient(server, { secret: write.token }), 'Echo'))).toMatchObject({
      name: 'InvalidSignatureException',
      status: 403,
    });
  });

  it('refuses a signed request whose body was changed, or whose signature is older than 15 minutes', async () => {
    const ok = await signed('{"n":1}');
    expect((await fetch(ok.url, ok.init)).status).toBe(200);
    const tampered = await signed('{"n":1}');
    expect((await fetch(tampered.url, { ...tampered.init, body: '{"n":2}' })).status).toBe(403);
    const old = await signed('{}', { date: new Date(Date.now() - 20 * 60 * 1000) });
    const res = await fetch(old.url, old.init);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { message: string }).message).toMatch(/Signature expired/);
  });

  it('checks x-amz-content-sha256 against the body when the client sends it', async () => {
    const body = '{"n":3}';
    const { url, init } = await signed(body);
    const headers = {
      ...(init.headers as Record<string, string>),
      'x-amz-content-sha256': createHash('sha256').update('{}').digest('hex'),
    };
    expect((await fetch(url, { ...init, headers })).status).toBe(403);
  });
});

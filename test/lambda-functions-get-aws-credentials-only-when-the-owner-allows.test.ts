import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import type { LambdaCredentialsView, LambdaInvocation } from '../shared/lambda.js';
import { invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

let server: TestServer;
let s3: http.Server;
/** The access key id each request to the stand-in S3 was signed with. */
const signedWith: string[] = [];
let shareToken: string;
let home: string;

beforeAll(async () => {
  // The server's own AWS configuration: a profile in a credentials file, as on a developer's machine.
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-aws-'));
  fs.writeFileSync(path.join(home, 'credentials'), `[dev]\naws_access_key_id = ${KEY_ID}\naws_secret_access_key = ${SECRET}\n`);
  fs.writeFileSync(path.join(home, 'config'), '[profile other]\nregion = eu-west-1\n');
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(home, 'credentials');
  process.env.AWS_CONFIG_FILE = path.join(home, 'config');
  s3 = http.createServer((req, res) => {
    signedWith.push(/Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '');
    res.setHeader('content-type', 'application/xml');
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>1</ID></Owner><Buckets><Bucket><Name>photos</Name><CreationDate>2026-01-01T00:00:00.000Z</CreationDate></Bucket></Buckets></ListAllMyBucketsResult>',
    );
  });
  await new Promise<void>((resolve) => s3.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(s3.address() as AddressInfo).port}`;
  server = await startTestServer();
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': `Resources:
  Lister:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: index.handler
      Runtime: nodejs20.x
      Timeout: 10
      Environment: { Variables: { S3_ENDPOINT: "${endpoint}" } }
  PyLister:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: fn
      Handler: lister.handler
      Runtime: python3.11
      Timeout: 10
      Environment: { Variables: { S3_ENDPOINT: "${endpoint}" } }
`,
    'fn/index.mjs': `import { S3Client, ListBucketsCommand } from '@aws-sdk/client-s3';
const s3 = new S3Client({ endpoint: process.env.S3_ENDPOINT, forcePathStyle: true });
export const handler = async () => {
  console.log('my secret is', process.env.AWS_SECRET_ACCESS_KEY);
  try {
    const out = await s3.send(new ListBucketsCommand({}));
    return { buckets: out.Buckets.map((b) => b.Name), keyId: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
  } catch (err) {
    return { error: err.name };
  }
};
`,
    'fn/lister.py': `import os
import boto3
import botocore.exceptions

def handler(event, context):
    try:
        out = boto3.client("s3", endpoint_url=os.environ["S3_ENDPOINT"]).list_buckets()
        return {"buckets": [b["Name"] for b in out["Buckets"]]}
    except botocore.exceptions.NoCredentialsError as e:
        return {"error": type(e).__name__}
`,
  });
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) });
  shareToken = ((await res.json()) as CreatedShare).token;
});
afterAll(async () => {
  delete process.env.AWS_SHARED_CREDENTIALS_FILE;
  delete process.env.AWS_CONFIG_FILE;
  s3?.close();
  await server?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

async function run(name: string, token?: string): Promise<{ result: Record<string, unknown>; log: string }> {
  const res = await server.api(`/api/workspaces/default/lambda/functions/${name}/invoke`, {
    method: 'POST',
    body: JSON.stringify({ payload: '{}' }),
    ...(token ? { token } : {}),
  });
  expect(res.status).toBe(200);
  const inv = (await res.json()) as LambdaInvocation;
  return { result: JSON.parse(inv.payload) as Record<string, unknown>, log: inv.log };
}

const credentialsUrl = '/api/workspaces/default/lambda/credentials';
const choose = (choice: unknown, token?: string): Promise<Response> =>
  server.api(credentialsUrl, { method: 'PUT', body: JSON.stringify({ choice }), ...(token ? { token } : {}) });

describe("functions run with the server's AWS credentials only when the workspace's owner allows it", () => {
  it('by default a function gets none: the SDKs fail at once, as without a role', async () => {
    const started = performance.now();
    expect((await run('Lister')).result).toEqual({ error: 'CredentialsProviderError' });
    expect((await run('PyLister')).result).toEqual({ error: 'NoCredentialsError' });
    expect(performance.now() - started).toBeLessThan(8000);
    expect(signedWith).toEqual([]);
  });

  it('only the owner sees the profile names (never a secret) and chooses; a profile that does not load is refused', async () => {
    const view = (await (await server.api(credentialsUrl)).json()) as LambdaCredentialsView;
    expect(view).toEqual({ choice: null, profiles: ['default', 'dev', 'other'] });
    expect(JSON.stringify(view)).not.toContain(SECRET);
    expect((await server.api(credentialsUrl, { token: shareToken })).status).toBe(403);
    expect((await choose({ profile: 'dev', forShares: true }, shareToken)).status).toBe(403);
    const missing = await choose({ profile: 'nope', forShares: false });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/profile nope could not be loaded/);
    expect((await choose({ profile: 'dev', forShares: false })).status).toBe(200);
  });

  it("the owner's invocations sign with the profile's key; the secret is masked in the log and the response", async () => {
    const { result, log } = await run('Lister');
    expect(result).toEqual({ buckets: ['photos'], keyId: KEY_ID, secret: '****' });
    expect(signedWith.at(-1)).toBe(KEY_ID);
    expect(log).toContain('my secret is ****');
    expect(log).not.toContain(SECRET);
    expect((await run('PyLister')).result).toEqual({ buckets: ['photos'] });
    // Through the AWS API, signed with the owner token: the same.
    const viaApi = await invoke(lambdaClient(server), 'Lister');
    expect(viaApi.body).toMatchObject({ keyId: KEY_ID });
  });

  it("a share's user gets no credentials unless the owner allowed that too", async () => {
    expect((await run('Lister', shareToken)).result).toEqual({ error: 'CredentialsProviderError' });
    expect((await invoke(lambdaClient(server, { secret: shareToken }), 'Lister')).body).toEqual({ error: 'CredentialsProviderError' });
    expect((await choose({ profile: 'dev', forShares: true })).status).toBe(200);
    expect((await run('Lister', shareToken)).result).toMatchObject({ keyId: KEY_ID });
    // Taken back: the next invocation has none again (no environment started with them is reused).
    expect((await choose(null)).status).toBe(200);
    expect((await run('Lister')).result).toEqual({ error: 'CredentialsProviderError' });
  });
});

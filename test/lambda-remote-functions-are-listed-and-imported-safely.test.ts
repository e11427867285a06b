import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import type { LambdaImportProgress, LambdaInvocation, LambdaRemotePage } from '../shared/lambda.js';
import { parseTemplate } from '../server/lambda/template/discover.js';
import { useServerAwsConfig, writeFiles } from './helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

let server: TestServer;
let standIn: http.Server;
let standInUrl: string;
let home: string;
let aws: { restore(): void } | undefined;
let peerId: string;
let root: string;
/** The access key ids requests to the stand-in endpoint were signed with. */
const signedWith = new Set<string>();

const FIXTURE_KEY = 'AKIAIOSFODNN7EXAMPLE';

// Shaped exactly like the Lambda API reference's examples of ListFunctions and GetFunction.
const LIST_FUNCTIONS = {
  Functions: [
    {
      TracingConfig: { Mode: 'PassThrough' },
      Version: '$LATEST',
      CodeSha256: 'dBG9m8SGdmlEjw/JYXlhhvCrAv5TxvXsbL/RMr0fT/I=',
      FunctionName: 'helloworld',
      MemorySize: 128,
      RevisionId: '1718e831-badf-4253-9518-d0644210af7b',
      CodeSize: 294,
      FunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:helloworld',
      Handler: 'helloworld.handler',
      Role: 'arn:aws:iam::123456789012:role/service-role/MyTestFunction-role-zgur6bf4',
      Timeout: 3,
      LastModified: '2023-09-23T18:32:33.857+0000',
      Runtime: 'nodejs18.x',
      Description: '',
    },
    {
      TracingConfig: { Mode: 'PassThrough' },
      Version: '$LATEST',
      CodeSha256: 'sU0cJ2/hOZevwV/lTxCuQqK3gDZP3i8gUoqUUVRmY6E=',
      FunctionName: 'my-function',
      VpcConfig: { SubnetIds: [], VpcId: '', SecurityGroupIds: [] },
      MemorySize: 256,
      RevisionId: '93017fc9-59cb-41dc-901b-4845ce4bf668',
      CodeSize: 266,
      FunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:my-function',
      Handler: 'index.handler',
      Role: 'arn:aws:iam::123456789012:role/service-role/helloWorldPython-role-uy3l9qyq',
      Timeout: 3,
      LastModified: '2023-10-14T22:26:11.234+0000',
      Runtime: 'nodejs18.x',
      Description: '',
      Environment: { Variables: { MODE: 'yes', TABLE: 'orders-0755' } },
      Layers: [{ Arn: 'arn:aws:lambda:us-west-2:123456789012:layer:my-layer:3', CodeSize: 169 }],
      EphemeralStorage: { Size: 1024 },
      Architectures: ['arm64'],
    },
    {
      FunctionName: 'image-function',
      FunctionArn: 'arn:aws:lambda:us-west-2:123456789012:function:image-function',
      MemorySize: 1024,
      Timeout: 30,
      LastModified: '2023-10-14T22:26:11.234+0000',
      PackageType: 'Image',
    },
  ],
};

const getFunctionOf = (name: string, location: string): unknown => {
  const listed = LIST_FUNCTIONS.Functions.find((f) => f.FunctionName === name) ?? { ...LIST_FUNCTIONS.Functions[1], FunctionName: name };
  return {
    Concurrency: { ReservedConcurrentExecutions: 100 },
    Code: { RepositoryType: 'S3', Location: location },
    Configuration: { ...listed, FunctionArn: `arn:aws:lambda:us-west-2:123456789012:function:${name}` },
    Tags: { DOCS: 'Lambda' },
  };
};

/** Archives made by Python's zipfile: a good one and hostile ones. */
function makeArchives(dir: string): void {
  execFileSync('python3', [
    '-c',
    `
import sys, zipfile
d = sys.argv[1]
with zipfile.ZipFile(d + '/my-function.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('index.js', 'exports.handler = async (event) => ({ imported: true, event });\\n')
    info = zipfile.ZipInfo('bin/tool')
    info.external_attr = (0o100755 << 16)
    info.create_system = 3
    z.writestr(info, '#!/bin/sh\\necho tool\\n')
with zipfile.ZipFile(d + '/slip.zip', 'w') as z:
    z.writestr('index.js', 'exports.handler = async () => 1;')
    z.writestr('../../escaped.txt', 'outside')
with zipfile.ZipFile(d + '/link.zip', 'w') as z:
    info = zipfile.ZipInfo('passwd')
    info.external_attr = (0o120777 << 16)
    info.create_system = 3
    z.writestr(info, '../../../../etc/passwd')
with zipfile.ZipFile(d + '/bomb.zip', 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('index.js', 'exports.handler = async () => 1;')
    with z.open('zeros.bin', 'w', force_zip64=True) as f:
        block = b'\\0' * (1 << 20)
        for _ in range(260):
            f.write(block)
`,
    dir,
  ]);
}

/** The import's JSON lines. */
async function importFunction(
  body: Record<string, unknown>,
  token?: string,
): Promise<{ status: number; lines: LambdaImportProgress[]; text: string }> {
  const res = await server.api('/api/workspaces/default/lambda/remote/import', {
    method: 'POST',
    body: JSON.stringify(body),
    ...(token ? { token } : {}),
  });
  const text = await res.text();
  const lines = res.headers.get('content-type')?.includes('ndjson')
    ? text
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LambdaImportProgress)
    : [];
  return { status: res.status, lines, text };
}

const listRemote = (query: Record<string, string>, token?: string): Promise<Response> =>
  server.api(`/api/workspaces/default/lambda/remote/functions?${new URLSearchParams(query).toString()}`, token ? { token } : {});

const peer = (): Record<string, string> => ({
  region: 'us-east-1',
  profile: 'peer',
  endpoint: `${server.url}/lambda/${peerId}`,
});
const fixture = (): Record<string, string> => ({ region: 'us-west-2', profile: 'fixture', endpoint: standInUrl });

const resources = (): Record<string, { Properties: Record<string, unknown>; Metadata?: Record<string, unknown> }> => {
  const parsed = parseTemplate('template.yaml', fs.readFileSync(path.join(root, 'template.yaml'), 'utf8'));
  if (!parsed || !('template' in parsed)) throw new Error('template.yaml does not parse');
  return parsed.template.Resources as never;
};

const TEMPLATE = `# The workspace's own template: its comments and intrinsics stay as they are.
Transform: AWS::Serverless-2016-10-31
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "\${AWS::StackName}-orders"
Outputs:
  TableName: { Value: !Ref Table }
`;

beforeAll(async () => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-remote-'));
  makeArchives(home);
  server = await startTestServer();
  peerId = (
    (await (await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'deployed' }) })).json()) as { id: string }
  ).id;
  // The server's AWS configuration: one profile signs for the other workspace (its id and the owner's
  // token are that workspace's access key), another for the stand-in endpoint.
  aws = useServerAwsConfig(
    `[peer]\naws_access_key_id = ${peerId}\naws_secret_access_key = ${TEST_TOKEN}\n[fixture]\naws_access_key_id = ${FIXTURE_KEY}\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n`,
  );

  // The "deployed account": another workspace with 120 functions.
  const fns = Array.from({ length: 120 }, (_, i) => {
    const n = String(i).padStart(3, '0');
    const reserved = i === 7 ? ', ReservedConcurrentExecutions: 3' : '';
    return `  Fn${n}:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: fn${n}, CodeUri: src/, Handler: app.handler, Runtime: nodejs20.x, MemorySize: 256, Timeout: 7${reserved}, Environment: { Variables: { GREETING: "hello from ${n}" } } }\n`;
  });
  writeFiles(server.workspaces.rootOf(peerId), {
    'template.yaml': `Resources:\n${fns.join('')}`,
    'src/app.mjs': `export const handler = async (event) => ({ greeting: process.env.GREETING, name: process.env.AWS_LAMBDA_FUNCTION_NAME, event });\n`,
    'src/lib/util.mjs': 'export const x = 1;\n',
  });
  root = server.workspaces.rootOf('default');
  fs.writeFileSync(path.join(root, 'template.yaml'), TEMPLATE);

  standIn = http.createServer((req, res) => {
    signedWith.add(/Credential=([^/]+)\//.exec(String(req.headers.authorization))?.[1] ?? '');
    const url = new URL(req.url ?? '/', standInUrl);
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-amzn-RequestId': 'r-1' });
      res.end(JSON.stringify(body));
    };
    const code = /^\/code\/([\w-]+)\.zip$/.exec(url.pathname);
    if (code) return void fs.createReadStream(path.join(home, `${code[1]}.zip`)).pipe(res);
    if (url.pathname === '/2015-03-31/functions/' || url.pathname === '/2015-03-31/functions') return json(200, LIST_FUNCTIONS);
    const fn = /^\/2015-03-31\/functions\/([\w-]+)$/.exec(url.pathname)?.[1];
    const archive = { 'my-function': 'my-function', slip: 'slip', 'link-out': 'link', bomb: 'bomb' }[fn ?? ''];
    if (fn === 'image-function') {
      return json(200, {
        Configuration: LIST_FUNCTIONS.Functions[2],
        Code: { RepositoryType: 'ECR', ImageUri: '1.dkr.ecr.us-west-2.amazonaws.com/x:latest' },
      });
    }
    if (fn && archive) return json(200, getFunctionOf(fn, `${standInUrl}/code/${archive}.zip`));
    if (/^\/2019-09-30\/functions\/my-function\/concurrency$/.test(url.pathname)) return json(200, { ReservedConcurrentExecutions: 100 });
    res.writeHead(404, { 'content-type': 'application/json', 'x-amzn-ErrorType': 'ResourceNotFoundException' });
    res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${url.pathname}` }));
  });
  await new Promise<void>((resolve) => standIn.listen(0, '127.0.0.1', resolve));
  standInUrl = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => standIn?.close(resolve));
  fs.rmSync(home, { recursive: true, force: true });
  aws?.restore();
});

describe('Remote functions: listed from a Lambda API, imported into the workspace, never changed there', () => {
  it('lists the 120 functions of another workspace’s Lambda API page by page, through the real AWS SDK', async () => {
    const names: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const res = await listRemote({ ...peer(), ...(marker ? { marker } : {}) });
      expect(res.status, await res.clone().text()).toBe(200);
      const page = (await res.json()) as LambdaRemotePage;
      pages++;
      names.push(...page.functions.map((f) => f.name));
      if (pages === 1)
        expect(page.functions[0]).toMatchObject({ name: 'fn000', runtime: 'nodejs20.x', memorySize: 256, packageType: 'Zip' });
      marker = page.nextMarker;
    } while (marker && pages < 10);
    expect(pages).toBe(3);
    expect(names).toEqual(Array.from({ length: 120 }, (_, i) => `fn${String(i).padStart(3, '0')}`));
  });

  it('imports a function with progress, merges its resource into template.yaml, and runs it locally', async () => {
    const { status, lines, text } = await importFunction({ ...peer(), name: 'fn007' });
    expect(status, text).toBe(200);
    expect(lines.map((l) => l.stage).filter((s, i, all) => all.indexOf(s) === i)).toEqual([
      'function',
      'download',
      'unzip',
      'template',
      'done',
    ]);
    expect(lines.at(-1)).toEqual({
      stage: 'done',
      name: 'fn007',
      folder: 'fn007',
      logicalId: 'Fn007',
      template: 'template.yaml',
      handler: 'fn007/app.mjs',
    });
    expect(fs.readFileSync(path.join(root, 'fn007/app.mjs'), 'utf8')).toContain('process.env.GREETING');
    expect(fs.existsSync(path.join(root, 'fn007/lib/util.mjs'))).toBe(true);
    // The workspace's template keeps everything it had, byte for byte, and gains the function.
    const written = fs.readFileSync(path.join(root, 'template.yaml'), 'utf8');
    expect(written.startsWith(TEMPLATE.split('Outputs:')[0] as string)).toBe(true);
    expect(written.endsWith('Outputs:\n  TableName: { Value: !Ref Table }\n')).toBe(true);
    const fn = resources().Fn007;
    expect(fn?.Properties).toEqual({
      FunctionName: 'fn007',
      CodeUri: 'fn007/',
      Handler: 'app.handler',
      Runtime: 'nodejs20.x',
      Architectures: ['x86_64'],
      MemorySize: 256,
      Timeout: 7,
      Environment: { Variables: { GREETING: 'hello from 007' } },
      ReservedConcurrentExecutions: 3,
    });
    expect(fn?.Metadata?.SourceArn).toMatch(/^arn:aws:lambda:us-east-1:\d{12}:function:fn007$/);
    expect(fn?.Metadata?.CodeSha256).toMatch(/^[A-Za-z0-9+/]{43}=$/);

    const res = await server.api('/api/workspaces/default/lambda/functions/fn007/invoke', {
      method: 'POST',
      body: JSON.stringify({ payload: '{"from":"test"}' }),
    });
    expect(res.status).toBe(200);
    const inv = (await res.json()) as LambdaInvocation;
    expect(JSON.parse(inv.payload)).toEqual({ greeting: 'hello from 007', name: 'fn007', event: { from: 'test' } });
  });

  it('asks what to do when the folder exists: refuse, import as a copy, or overwrite', async () => {
    const again = await importFunction({ ...peer(), name: 'fn007' });
    expect(again.status).toBe(409);
    expect(again.text).toMatch(/exists already/);

    const copy = await importFunction({ ...peer(), name: 'fn007', conflict: 'copy' });
    expect(copy.lines.at(-1)).toMatchObject({ stage: 'done', name: 'fn007-copy', folder: 'fn007-copy', logicalId: 'Fn007Copy' });
    expect(resources().Fn007Copy?.Properties).toMatchObject({ FunctionName: 'fn007-copy', CodeUri: 'fn007-copy/' });

    fs.writeFileSync(path.join(root, 'fn007/mine.txt'), 'a file of mine');
    fs.writeFileSync(path.join(root, 'fn007/app.mjs'), 'export const handler = async () => "edited";\n');
    const over = await importFunction({ ...peer(), name: 'fn007', conflict: 'overwrite' });
    expect(over.lines.at(-1)).toMatchObject({ stage: 'done', name: 'fn007' });
    expect(fs.existsSync(path.join(root, 'fn007/mine.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'fn007/app.mjs'), 'utf8')).toContain('GREETING');
    expect(Object.keys(resources())).toEqual(['Table', 'Fn007', 'Fn007Copy']);
  });

  it('reads responses shaped like the API reference’s ListFunctions and GetFunction examples', async () => {
    const res = await listRemote(fixture());
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as LambdaRemotePage).functions).toEqual([
      { name: 'helloworld', runtime: 'nodejs18.x', memorySize: 128, lastModified: '2023-09-23T18:32:33.857+0000', packageType: 'Zip' },
      { name: 'my-function', runtime: 'nodejs18.x', memorySize: 256, lastModified: '2023-10-14T22:26:11.234+0000', packageType: 'Zip' },
      { name: 'image-function', memorySize: 1024, lastModified: '2023-10-14T22:26:11.234+0000', packageType: 'Image' },
    ]);
    expect(signedWith.has(FIXTURE_KEY)).toBe(true);

    const { lines } = await importFunction({ ...fixture(), name: 'my-function' });
    expect(lines.at(-1)).toMatchObject({ stage: 'done', name: 'my-function', logicalId: 'MyFunction', handler: 'my-function/index.js' });
    const fn = resources().MyFunction;
    expect(fn?.Properties).toEqual({
      FunctionName: 'my-function',
      CodeUri: 'my-function/',
      Handler: 'index.handler',
      Runtime: 'nodejs18.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 3,
      // Values that a YAML 1.1 reader would turn into a boolean or a number stay strings.
      Environment: { Variables: { MODE: 'yes', TABLE: 'orders-0755' } },
      EphemeralStorage: { Size: 1024 },
      Layers: ['arn:aws:lambda:us-west-2:123456789012:layer:my-layer:3'],
      ReservedConcurrentExecutions: 100,
    });
    expect(fn?.Metadata).toMatchObject({
      SourceArn: 'arn:aws:lambda:us-west-2:123456789012:function:my-function',
      CodeSha256: 'sU0cJ2/hOZevwV/lTxCuQqK3gDZP3i8gUoqUUVRmY6E=',
    });
    // Executable bits come along (a bundled tool still runs).
    expect(fs.statSync(path.join(root, 'my-function/bin/tool')).mode & 0o111).not.toBe(0);
  });

  it('refuses archives that would write outside the folder or unpack past 250 MB, leaving nothing behind', async () => {
    const before = fs.readFileSync(path.join(root, 'template.yaml'), 'utf8');
    for (const [name, message] of [
      ['slip', /outside the function's folder/],
      ['link-out', /points outside the function's folder/],
      ['bomb', /more than 250 MB/],
    ] as const) {
      const { status, lines } = await importFunction({ ...fixture(), name });
      expect(status).toBe(200);
      const last = lines.at(-1);
      expect(last?.stage, name).toBe('error');
      expect(last?.stage === 'error' && last.message, name).toMatch(message);
      expect(fs.existsSync(path.join(root, name)), name).toBe(false);
    }
    expect(fs.existsSync(path.join(root, '..', 'escaped.txt'))).toBe(false);
    expect(fs.existsSync(path.join(root, '..', '..', 'escaped.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'template.yaml'), 'utf8')).toBe(before);
    // Nothing is left in the server's staging area either.
    const staging = server.workspaces.cacheDir('default');
    expect(fs.readdirSync(staging).filter((f) => f.startsWith('import-'))).toEqual([]);

    const image = await importFunction({ ...fixture(), name: 'image-function' });
    expect(image.lines.at(-1)).toMatchObject({ stage: 'error', code: 'image_function' });
    const missing = await importFunction({ ...fixture(), name: 'nope' });
    expect(missing.lines.at(-1)).toMatchObject({ stage: 'error', code: 'not_found' });
  });

  it('is the owner’s alone: a write share cannot list or import, and a profile that does not exist says so', async () => {
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'write' }) })
    ).json()) as CreatedShare;
    expect((await listRemote(peer(), share.token)).status).toBe(403);
    expect((await importFunction({ ...peer(), name: 'fn001' }, share.token)).status).toBe(403);
    expect(fs.existsSync(path.join(root, 'fn001'))).toBe(false);

    const unknown = await listRemote({ ...peer(), profile: 'nobody' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toMatch(/profile nobody/);
    const badEndpoint = await listRemote({ ...peer(), endpoint: 'file:///etc/passwd' });
    expect(badEndpoint.status).toBe(400);
  });
});

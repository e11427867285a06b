import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaInvocation } from '../shared/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let root: string;

const EXISTING = `# my template, with a comment
Transform: AWS::Serverless-2016-10-31
Resources:
  Existing:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, Handler: index.handler, InlineCode: "exports.handler = async () => 'still here';" }
`;

const create = (body: unknown, token?: string): Promise<Response> =>
  server.api('/api/workspaces/default/lambda/functions', { method: 'POST', body: JSON.stringify(body), ...(token ? { token } : {}) });

async function invoke(name: string, event: unknown): Promise<LambdaInvocation> {
  const res = await server.api(`/api/workspaces/default/lambda/functions/${name}/invoke`, {
    method: 'POST',
    body: JSON.stringify({ payload: JSON.stringify(event) }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as LambdaInvocation;
}

const s3Event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'my+photo.jpg' } } }] };
const sqsEvent = {
  Records: [
    { messageId: 'm1', body: 'fine' },
    { messageId: 'm2', body: 'please fail' },
  ],
};

beforeAll(async () => {
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  fs.writeFileSync(path.join(root, 'template.yaml'), EXISTING);
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  await server?.stop();
});

describe('New function: a blueprint in Node.js or Python becomes code, a resource and a sample event, and runs', () => {
  it('every blueprint in both languages runs and answers as its service expects', async () => {
    for (const [lang, runtime] of [
      ['Node', 'nodejs20.x'],
      ['Py', 'python3.12'],
    ] as const) {
      for (const blueprint of ['hello', 'http', 's3', 'sqs'] as const) {
        const name = `${lang}${blueprint[0]?.toUpperCase()}${blueprint.slice(1)}`;
        const res = await create({ name, runtime, blueprint, event: '{"sample": true}' });
        expect(res.status, await res.clone().text()).toBe(201);
        expect(await res.json()).toEqual({ name, handler: `${name}/app.${lang === 'Node' ? 'mjs' : 'py'}`, template: 'template.yaml' });
      }
      const hello = JSON.parse((await invoke(`${lang}Hello`, { a: 1 })).payload) as Record<string, unknown>;
      expect(hello).toEqual({ message: `Hello from ${lang}Hello`, input: { a: 1 } });
      const viaHttp = await server.api(`/api-gw/default/$default/${lang.toLowerCase()}http/ann`);
      expect(await viaHttp.json()).toEqual({ hello: 'ann', method: 'GET' });
      expect(JSON.parse((await invoke(`${lang}S3`, s3Event)).payload)).toEqual({ processed: 1 });
      expect((await invoke(`${lang}S3`, s3Event)).log).toContain('ObjectCreated:Put s3://b/my photo.jpg');
      expect(JSON.parse((await invoke(`${lang}Sqs`, sqsEvent)).payload)).toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
    }
    expect(fs.readFileSync(path.join(root, '.nimbus/events/NodeHello/sample.json'), 'utf8')).toBe('{"sample": true}');
  });

  it('leaves the rest of template.yaml as it was, byte for byte, and the other functions working', async () => {
    const text = fs.readFileSync(path.join(root, 'template.yaml'), 'utf8');
    expect(text.startsWith(EXISTING)).toBe(true);
    expect(JSON.parse((await invoke('Existing', {})).payload)).toBe('still here');
  });

  it('refuses a name that is taken or not a logical ID, and a read-only share', async () => {
    expect((await create({ name: 'NodeHello', runtime: 'nodejs20.x', blueprint: 'hello' })).status).toBe(409);
    fs.mkdirSync(path.join(root, 'Taken'));
    expect((await create({ name: 'Taken', runtime: 'nodejs20.x', blueprint: 'hello' })).status).toBe(409);
    expect((await create({ name: '../up', runtime: 'nodejs20.x', blueprint: 'hello' })).status).toBe(400);
    expect((await create({ name: 'Ok', runtime: 'java21', blueprint: 'hello' })).status).toBe(400);
    const share = (await (
      await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) })
    ).json()) as {
      token: string;
    };
    expect((await create({ name: 'ByShare', runtime: 'nodejs20.x', blueprint: 'hello' }, share.token)).status).toBe(403);
  });
});

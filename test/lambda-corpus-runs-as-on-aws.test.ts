import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  GetPolicyCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  ListAliasesCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  ListVersionsByFunctionCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../shared/api.js';
import type { LambdaFunctionList } from '../shared/lambda.js';
import { eventually, lambdaClient } from './helpers/lambda.js';
import { startLocalPackages, type LocalPackages } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

const CORPUS = path.join(import.meta.dirname, 'fixtures', 'lambda-corpus');

interface Expected {
  functions: string[];
  warnings: string[];
  invocations: {
    function: string;
    event: unknown;
    tenant?: string;
    response?: unknown;
    text?: string;
    error?: string;
    cfnResponse?: Record<string, unknown>;
  }[];
}

let server: TestServer;
/** Stands in for the pre-signed S3 URL a custom resource answers CloudFormation at. */
let responses: http.Server;
const received = new Map<string, unknown>();

let packages: LocalPackages;

beforeAll(async () => {
  // Builds install from a local registry and a local wheel folder: no network. The server passes these
  // (and only such) variables to the builds, as it would a person's registry settings.
  packages = await startLocalPackages();
  process.env.npm_config_registry = packages.registry;
  process.env.PIP_FIND_LINKS = packages.wheels;
  process.env.PIP_NO_INDEX = '1';
  server = await startTestServer();
  responses = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.set(req.url ?? '', { method: req.method, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
      res.end();
    });
  });
  await new Promise<void>((resolve) => responses.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  responses?.close();
  await server?.stop();
  await packages?.close();
  delete process.env.npm_config_registry;
  delete process.env.PIP_FIND_LINKS;
  delete process.env.PIP_NO_INDEX;
});

/** A workspace holding a copy of one corpus project, running, its functions listed. */
let opened = 0;
async function openProject(name: string): Promise<{ id: string; client: LambdaClient; list: LambdaFunctionList }> {
  const res = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: `${name} ${++opened}` }) });
  const created = (await res.json()) as Workspace;
  fs.cpSync(path.join(CORPUS, name), server.workspaces.rootOf(created.id), {
    recursive: true,
    filter: (src) => !src.endsWith('expect.json'),
  });
  await server.api(`/api/workspaces/${created.id}/wake`, { method: 'POST' });
  const expected = readExpected(name);
  const list = await eventually(async () => {
    const l = (await (await server.api(`/api/workspaces/${created.id}/lambda/functions`)).json()) as LambdaFunctionList;
    return l.functions.length >= expected.functions.length ? l : undefined;
  }, 15_000);
  return { id: created.id, client: lambdaClient(server, { workspace: created.id }), list };
}

const readExpected = (name: string): Expected => JSON.parse(fs.readFileSync(path.join(CORPUS, name, 'expect.json'), 'utf8')) as Expected;

const projects = fs
  .readdirSync(CORPUS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('every function of the corpus runs and answers what AWS Lambda answers', () => {
  it.each(projects)('%s', async (name) => {
    const expected = readExpected(name);
    const { client, list } = await openProject(name);
    expect(list.functions.map((f) => f.name)).toEqual(expected.functions);
    expect(list.problems.filter((p) => p.severity !== 'warning')).toEqual([]);
    expect(list.problems.map((p) => `${p.file}:${p.line ?? ''}`).sort()).toEqual([...expected.warnings].sort());
    const arn = (await client.send(new ListFunctionsCommand({}))).Functions?.[0]?.FunctionArn ?? '';
    const [, , , region, accountId] = arn.split(':');
    const fill = (v: unknown): unknown =>
      JSON.parse(
        JSON.stringify(v)
          .replaceAll('{{region}}', region as string)
          .replaceAll('{{accountId}}', accountId as string),
      );

    for (const [i, inv] of expected.invocations.entries()) {
      const responseUrl = `http://127.0.0.1:${(responses.address() as AddressInfo).port}/${name}/${i}`;
      const event = JSON.stringify(inv.event).replaceAll('{{responseUrl}}', responseUrl);
      const call = client.send(
        new InvokeCommand({
          FunctionName: inv.function,
          Payload: Buffer.from(event),
          LogType: 'Tail',
          ...(inv.tenant ? { TenantId: inv.tenant } : {}),
        }),
      );
      const what = `${inv.function} (invocation ${i})`;
      if (inv.error && !inv.cfnResponse) {
        const r = await call.catch((err: Error) => ({ thrown: err.name }));
        const got = 'thrown' in r ? r.thrown : r.FunctionError && JSON.parse(Buffer.from(r.Payload ?? []).toString('utf8')).errorType;
        expect(got, what).toBe(inv.error);
        continue;
      }
      const r = await call;
      const text = Buffer.from(r.Payload ?? []).toString('utf8');
      expect(r.FunctionError, `${what}: ${text}\n${Buffer.from(r.LogResult ?? '', 'base64').toString('utf8')}`).toBeUndefined();
      if (inv.text !== undefined) expect(text, what).toBe(inv.text);
      if (inv.response !== undefined) expect(JSON.parse(text), what).toEqual(fill(inv.response));
      if (inv.cfnResponse) {
        expect(received.get(`/${name}/${i}`), what).toEqual({ method: 'PUT', body: expect.objectContaining(fill(inv.cfnResponse)) });
      }
    }
  });
});

describe('response streaming', () => {
  it('InvokeWithResponseStream delivers each piece as the function writes it, then InvokeComplete', async () => {
    const { client } = await openProject('streaming-handlers');
    let open = false;
    const gate = http.createServer((_req, res) => {
      res.statusCode = open ? 200 : 503;
      res.end();
    });
    await new Promise<void>((resolve) => gate.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(gate.address() as AddressInfo).port}/`;
      const r = await client.send(
        new InvokeWithResponseStreamCommand({
          FunctionName: 'StreamFunction',
          Payload: Buffer.from(JSON.stringify({ name: 'stream', gate: url })),
          LogType: 'Tail',
        }),
      );
      expect(r.StatusCode).toBe(200);
      expect(r.ResponseStreamContentType).toBe('text/plain');
      const chunks: string[] = [];
      let complete: { ErrorCode?: string; LogResult?: string } | undefined;
      for await (const event of r.EventStream ?? []) {
        if (event.PayloadChunk?.Payload) {
          chunks.push(Buffer.from(event.PayloadChunk.Payload).toString('utf8'));
          // The first piece arrived while the function still waits at its gate: it was streamed.
          open = true;
        }
        if (event.InvokeComplete) complete = event.InvokeComplete;
      }
      expect(chunks).toEqual(['Hello stream', '!']);
      expect(complete?.ErrorCode).toBeUndefined();
      expect(Buffer.from(complete?.LogResult ?? '', 'base64').toString('utf8')).toMatch(/REPORT RequestId/);
    } finally {
      gate.close();
    }
  });

  it('an error after the first piece ends the stream with its error type; a function that does not stream sends one piece', async () => {
    const { client } = await openProject('streaming-handlers');
    const failing = await client.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'FailingStreamFunction', Payload: Buffer.from('{}') }),
    );
    const events: { chunk?: string; code?: string; details?: string }[] = [];
    for await (const e of failing.EventStream ?? []) {
      if (e.PayloadChunk?.Payload) events.push({ chunk: Buffer.from(e.PayloadChunk.Payload).toString('utf8') });
      if (e.InvokeComplete) events.push({ code: e.InvokeComplete.ErrorCode ?? '', details: e.InvokeComplete.ErrorDetails ?? '' });
    }
    expect(events).toEqual([{ chunk: 'partial' }, { code: 'TypeError', details: 'broke mid-stream' }]);

    const { client: other } = await openProject('layers-cjs-and-esm');
    const plain = await other.send(
      new InvokeWithResponseStreamCommand({ FunctionName: 'CjsFunction', Payload: Buffer.from('{"name":"x"}') }),
    );
    const pieces: string[] = [];
    for await (const e of plain.EventStream ?? [])
      if (e.PayloadChunk?.Payload) pieces.push(Buffer.from(e.PayloadChunk.Payload).toString('utf8'));
    expect(pieces).toEqual(['{"cjs":"cjs hello x"}']);
    expect(plain.ResponseStreamContentType).toBe('application/json');
  });
});

describe('read-only lists that tools call', () => {
  it('answer as AWS does for a function with only $LATEST: versions, aliases, event source mappings, tags, policy', async () => {
    const { client } = await openProject('two-apps-same-logical-id');
    const versions = await client.send(new ListVersionsByFunctionCommand({ FunctionName: 'OrdersOnly' }));
    expect(versions.Versions?.map((v) => [v.FunctionName, v.Version])).toEqual([['OrdersOnly', '$LATEST']]);
    expect((await client.send(new ListAliasesCommand({ FunctionName: 'OrdersOnly' }))).Aliases).toEqual([]);
    expect((await client.send(new ListEventSourceMappingsCommand({ FunctionName: 'OrdersOnly' }))).EventSourceMappings).toEqual([]);
    expect((await client.send(new ListEventSourceMappingsCommand({}))).EventSourceMappings).toEqual([]);
    const arn = versions.Versions?.[0]?.FunctionArn as string;
    expect((await client.send(new ListTagsCommand({ Resource: arn }))).Tags).toEqual({ 'lambda:createdBy': 'SAM' });
    await expect(client.send(new GetPolicyCommand({ FunctionName: 'OrdersOnly' }))).rejects.toThrow(
      expect.objectContaining({ name: 'ResourceNotFoundException' }),
    );
    await expect(client.send(new ListAliasesCommand({ FunctionName: 'Nope' }))).rejects.toThrow(
      expect.objectContaining({ name: 'ResourceNotFoundException' }),
    );
  });
});

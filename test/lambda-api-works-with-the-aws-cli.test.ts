import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AWS_CLI, awsCli, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let dir: string;

beforeAll(async () => {
  expect(fs.existsSync(AWS_CLI)).toBe(true);
  server = await startTestServer();
  writeFiles(server.workspaces.rootOf('default'), {
    'api/template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: hello
      CodeUri: hello/
      Handler: app.lambda_handler
      Runtime: python3.12
      Timeout: 3
`,
    'api/hello/app.py': `def lambda_handler(event, context):
    print("hello from the CLI test")
    if event.get("fail"):
        raise RuntimeError("asked to fail")
    return {"statusCode": 200, "body": "Hello " + event.get("name", "world")}
`,
  });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-aws-cli-'));
});
afterAll(async () => {
  await server.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const json = (stdout: string): Record<string, unknown> => JSON.parse(stdout) as Record<string, unknown>;

describe('the Debian AWS CLI v2 drives the Lambda API unmodified with --endpoint-url', () => {
  it('aws lambda invoke writes the payload and prints StatusCode, ExecutedVersion and the log tail', async () => {
    const out = path.join(dir, 'out.json');
    const r = await awsCli(
      server,
      [
        'lambda',
        'invoke',
        '--function-name',
        'hello',
        '--cli-binary-format',
        'raw-in-base64-out',
        '--payload',
        '{"name":"CLI"}',
        '--log-type',
        'Tail',
        out,
      ],
      { cwd: dir },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const result = json(r.stdout);
    expect(result).toMatchObject({ StatusCode: 200, ExecutedVersion: '$LATEST' });
    expect(Buffer.from(result.LogResult as string, 'base64').toString()).toMatch(/hello from the CLI test[\s\S]*REPORT RequestId/);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual({ statusCode: 200, body: 'Hello CLI' });
  });

  it('reports a function error the way the CLI shows it', async () => {
    const out = path.join(dir, 'error.json');
    const r = await awsCli(
      server,
      ['lambda', 'invoke', '--function-name', 'hello', '--cli-binary-format', 'raw-in-base64-out', '--payload', '{"fail":true}', out],
      { cwd: dir },
    );
    expect(r.code).toBe(0);
    expect(json(r.stdout)).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toMatchObject({ errorType: 'RuntimeError', errorMessage: 'asked to fail' });
  });

  it('lists, describes and gets functions', async () => {
    const list = await awsCli(server, ['lambda', 'list-functions']);
    expect(list.code).toBe(0);
    expect((json(list.stdout).Functions as { FunctionName: string }[]).map((f) => f.FunctionName)).toEqual(['hello']);
    const config = await awsCli(server, ['lambda', 'get-function-configuration', '--function-name', 'hello']);
    expect(json(config.stdout)).toMatchObject({
      FunctionName: 'hello',
      Runtime: 'python3.12',
      Handler: 'app.lambda_handler',
      Timeout: 3,
      MemorySize: 128,
    });
    const got = await awsCli(server, ['lambda', 'get-function', '--function-name', 'hello']);
    expect((json(got.stdout).Code as { Location: string }).Location).toMatch(/\/lambda\/default\/code\/hello\.zip\?/);
  });

  it('puts, gets and deletes reserved concurrency, as in the concurrency article', async () => {
    const put = await awsCli(server, [
      'lambda',
      'put-function-concurrency',
      '--function-name',
      'hello',
      '--reserved-concurrent-executions',
      '25',
    ]);
    expect(json(put.stdout)).toEqual({ ReservedConcurrentExecutions: 25 });
    const query = await awsCli(server, ['lambda', 'get-function', '--function-name', 'hello', '--query', 'Concurrency']);
    expect(json(query.stdout)).toEqual({ ReservedConcurrentExecutions: 25 });
    const del = await awsCli(server, ['lambda', 'delete-function-concurrency', '--function-name', 'hello']);
    expect(del.code).toBe(0);
    const get = await awsCli(server, ['lambda', 'get-function-concurrency', '--function-name', 'hello']);
    expect(get.stdout.trim() === '' ? {} : json(get.stdout)).toEqual({});
  });

  it('fails with the AWS error for an unknown function and for a wrong secret', async () => {
    const missing = await awsCli(server, ['lambda', 'get-function', '--function-name', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/ResourceNotFoundException.*Function not found: arn:aws:lambda:us-east-1:\d{12}:function:nope/);
    const denied = await awsCli(server, ['lambda', 'list-functions'], { secret: 'wrong-secret-wrong-secret' });
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/InvalidSignatureException/);
  });
});

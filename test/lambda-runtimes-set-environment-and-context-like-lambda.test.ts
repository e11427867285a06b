import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GetFunctionConfigurationCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let client: LambdaClient;
let root: string;

const KEYS = [
  'AWS_LAMBDA_FUNCTION_NAME',
  '_HANDLER',
  'LAMBDA_TASK_ROOT',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_RUNTIME_API',
  'AWS_EXECUTION_ENV',
  'MY_VAR',
  'NIMBUS_LEAK_PROBE',
  'TZ',
  '_X_AMZN_TRACE_ID',
];

const NODE_REPORT = `
  env: Object.fromEntries(${JSON.stringify(KEYS)}.map((k) => [k, process.env[k] ?? null])),
  context: {
    functionName: context.functionName, functionVersion: context.functionVersion, invokedFunctionArn: context.invokedFunctionArn,
    memoryLimitInMB: context.memoryLimitInMB, awsRequestId: context.awsRequestId, logGroupName: context.logGroupName,
    logStreamName: context.logStreamName, remaining: context.getRemainingTimeInMillis(),
  },
  cwd: process.cwd(),`;

const FILES: Record<string, string> = {
  'template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  NodeCjs:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: named-cjs
      Runtime: nodejs20.x
      CodeUri: node-cjs
      Handler: index.handler
      MemorySize: 256
      Timeout: 5
      Environment: { Variables: { MY_VAR: hello } }
  NodeEsm:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs22.x, CodeUri: node-esm, Handler: src/index.handler }
  NodeEsmByPackage:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: node-esm-pkg, Handler: app.lambdaHandler }
  NodeCallback:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: node-callback, Handler: index.handler }
  Py:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      CodeUri: py
      Handler: app.lambda_handler
      Environment: { Variables: { MY_VAR: from-python } }
  Custom:
    Type: AWS::Serverless::Function
    Properties: { Runtime: provided.al2023, CodeUri: custom, Handler: function.handler }
  SharedLayer:
    Type: AWS::Serverless::LayerVersion
    Properties: { ContentUri: layer }
  NodeWithLayer:
    Type: AWS::Serverless::Function
    Properties: { Runtime: nodejs20.x, CodeUri: uses-layer, Handler: index.handler, Layers: [!Ref SharedLayer] }
  PyWithLayer:
    Type: AWS::Serverless::Function
    Properties: { Runtime: python3.11, CodeUri: uses-layer, Handler: app.handler, Layers: [!Ref SharedLayer] }
`,
  // A local layer laid out like /opt: Node modules, Python packages and executables.
  'layer/nodejs/node_modules/greeter/index.js': `exports.greet = (name) => 'hello ' + name + ' from the layer';`,
  'layer/python/greeter.py': `def greet(name):\n    return "hello %s from the layer" % name\n`,
  'layer/bin/layer-tool': '#!/bin/sh\necho tool-output\n',
  'uses-layer/index.js': `const { execFileSync } = require('node:child_process');
    exports.handler = async () => ({ greeting: require('greeter').greet('node'), tool: execFileSync('layer-tool').toString().trim() });`,
  'uses-layer/app.py': `import greeter\ndef handler(event, context):\n    return {"greeting": greeter.greet("python")}\n`,
  'node-cjs/index.js': `exports.handler = async (event, context) => ({ ${NODE_REPORT} event });`,
  'node-esm/src/index.mjs': `export const handler = async (event, context) => ({ esm: typeof require === 'undefined', ${NODE_REPORT} });`,
  'node-esm-pkg/package.json': '{ "type": "module" }',
  'node-esm-pkg/app.js': `export async function lambdaHandler(event) { return { esm: typeof require === 'undefined', event }; }`,
  'node-callback/index.js': `exports.handler = (event, context, callback) => {
    if (event.wait === false) context.callbackWaitsForEmptyEventLoop = false;
    setTimeout(() => {}, 400);
    callback(null, { style: 'callback' });
  };`,
  'py/app.py': `import os, tempfile
KEYS = ${JSON.stringify(KEYS)}
def lambda_handler(event, context):
    return {
        "env": {k: os.environ.get(k) for k in KEYS},
        "context": {
            "functionName": context.function_name, "functionVersion": context.function_version,
            "invokedFunctionArn": context.invoked_function_arn, "memoryLimitInMB": context.memory_limit_in_mb,
            "awsRequestId": context.aws_request_id, "logGroupName": context.log_group_name,
            "logStreamName": context.log_stream_name, "remaining": context.get_remaining_time_in_millis(),
        },
        "cwd": os.getcwd(),
        "tmp": tempfile.gettempdir(),
        "tmpEntries": os.listdir(tempfile.gettempdir()),
    }
`,
  // The classic shell bootstrap from the AWS tutorial on custom runtimes, speaking the Runtime API with curl.
  'custom/bootstrap': `#!/bin/sh
set -eu
API="http://\${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime"
while true; do
  HEADERS="$(mktemp)"
  EVENT=$(curl -sS -LD "$HEADERS" "$API/invocation/next")
  REQUEST_ID=$(grep -Fi Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  rm -f "$HEADERS"
  echo "bootstrap handling $REQUEST_ID"
  RESPONSE="{\\"handler\\":\\"$_HANDLER\\",\\"name\\":\\"$AWS_LAMBDA_FUNCTION_NAME\\",\\"taskRoot\\":\\"$LAMBDA_TASK_ROOT\\",\\"event\\":$EVENT}"
  curl -sS -X POST "$API/invocation/$REQUEST_ID/response" -d "$RESPONSE" > /dev/null
done
`,
};

beforeAll(async () => {
  // Something secret in the server's own environment must never reach a function.
  process.env.NIMBUS_LEAK_PROBE = 'server-secret';
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  writeFiles(root, FILES);
  client = lambdaClient(server);
});
afterAll(async () => {
  delete process.env.NIMBUS_LEAK_PROBE;
  await server.stop();
});

interface Report {
  env: Record<string, string | null>;
  context: Record<string, string | number>;
  cwd: string;
  tmp?: string;
  tmpEntries?: string[];
  esm?: boolean;
}

const requestIdOf = (log: string): string | undefined => /START RequestId: (\S+) Version: \$LATEST/.exec(log)?.[1];

async function expectLambdaEnvironment(
  name: string,
  runtime: string,
  handler: string,
  codeDir: string,
  memory: string,
  timeoutMs: number,
): Promise<Report> {
  const r = await invoke(client, name, { hello: 'world' });
  expect(r.functionError).toBeUndefined();
  const report = r.body as Report;
  const arn = (await client.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).FunctionArn as string;
  expect(arn).toMatch(new RegExp(`^arn:aws:lambda:us-east-1:\\d{12}:function:${name}$`));
  expect(report.env).toMatchObject({
    AWS_LAMBDA_FUNCTION_NAME: name,
    _HANDLER: handler,
    LAMBDA_TASK_ROOT: path.join(root, codeDir),
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: memory,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${name}`,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    NIMBUS_LEAK_PROBE: null,
    TZ: ':UTC',
  });
  expect(report.env.AWS_LAMBDA_LOG_STREAM_NAME).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
  expect(report.env.AWS_LAMBDA_RUNTIME_API).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(report.env._X_AMZN_TRACE_ID).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
  expect(report.context).toMatchObject({
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: arn,
    memoryLimitInMB: memory,
    awsRequestId: requestIdOf(r.log),
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: report.env.AWS_LAMBDA_LOG_STREAM_NAME,
  });
  expect(report.context.remaining).toBeGreaterThan(0);
  expect(report.context.remaining).toBeLessThanOrEqual(timeoutMs);
  expect(report.cwd).toBe(path.join(root, codeDir));
  return report;
}

describe('functions see the environment variables and context Lambda gives them', () => {
  it('Node.js (CommonJS, async): the function name, not the logical id, and the template variables', async () => {
    const report = await expectLambdaEnvironment('named-cjs', 'nodejs20.x', 'index.handler', 'node-cjs', '256', 5000);
    expect(report.env.MY_VAR).toBe('hello');
  });

  it('Node.js (ES module, handler in a subfolder)', async () => {
    const report = await expectLambdaEnvironment('NodeEsm', 'nodejs22.x', 'src/index.handler', 'node-esm', '128', 3000);
    expect(report.esm).toBe(true);
  });

  it('Node.js: a .js handler is an ES module when its package.json says "type": "module"', async () => {
    const r = await invoke(client, 'NodeEsmByPackage', { n: 1 });
    expect(r.body).toEqual({ esm: true, event: { n: 1 } });
  });

  it('Node.js callback handlers answer when the event loop is empty, unless callbackWaitsForEmptyEventLoop is false', async () => {
    let started = Date.now();
    expect((await invoke(client, 'NodeCallback', { wait: true })).body).toEqual({ style: 'callback' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(380);
    started = Date.now();
    expect((await invoke(client, 'NodeCallback', { wait: false })).body).toEqual({ style: 'callback' });
    expect(Date.now() - started).toBeLessThan(350);
  });

  it('Python (the machine python3), with a private temporary folder per environment', async () => {
    const hostFile = path.join(os.tmpdir(), `nimbus-host-only-${process.pid}`);
    fs.writeFileSync(hostFile, "the machine's /tmp");
    try {
      const report = await expectLambdaEnvironment('Py', 'python3.11', 'app.lambda_handler', 'py', '128', 3000);
      expect(report.env.MY_VAR).toBe('from-python');
      // /tmp, as on Lambda: the environment's own folder, where nothing of the machine's /tmp shows.
      expect(report.tmp).toBe('/tmp');
      expect(report.tmpEntries).not.toContain(path.basename(hostFile));
    } finally {
      fs.rmSync(hostFile, { force: true });
    }
  });

  it('local layers: Node modules, Python packages and executables from the layer folder', async () => {
    expect((await invoke(client, 'NodeWithLayer')).body).toEqual({ greeting: 'hello node from the layer', tool: 'tool-output' });
    expect((await invoke(client, 'PyWithLayer')).body).toEqual({ greeting: 'hello python from the layer' });
  });

  it('provided.al2023: a bootstrap executable speaking the Runtime API with curl', async () => {
    const r = await invoke(client, 'Custom', { from: 'test' });
    expect(r.functionError).toBeUndefined();
    expect(r.body).toEqual({ handler: 'function.handler', name: 'Custom', taskRoot: path.join(root, 'custom'), event: { from: 'test' } });
    expect(r.log).toContain(`bootstrap handling ${requestIdOf(r.log)}`);
  });
});

import type { LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alive, ENV_ID, eventually, invoke, lambdaClient, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let client: LambdaClient;

const fn = (id: string, props: string): string => `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties: { ${props} }\n`;

const FILES: Record<string, string> = {
  'template.yaml':
    'Resources:\n' +
    fn('Sleeper', 'Runtime: nodejs20.x, CodeUri: node, Handler: sleeper.handler, Timeout: 1') +
    fn('Hog', 'Runtime: nodejs20.x, CodeUri: node, Handler: hog.handler, MemorySize: 128, Timeout: 20') +
    fn('Thrower', 'Runtime: nodejs20.x, CodeUri: node, Handler: thrower.handler') +
    fn('Crasher', 'Runtime: nodejs20.x, CodeUri: node, Handler: crasher.handler') +
    fn('BrokenInit', 'Runtime: nodejs20.x, CodeUri: node, Handler: broken.handler') +
    fn('NoModule', 'Runtime: nodejs20.x, CodeUri: node, Handler: missing.handler') +
    fn('PyThrower', 'Runtime: python3.11, CodeUri: py, Handler: app.handler') +
    fn('PyNoHandler', 'Runtime: python3.11, CodeUri: py, Handler: app.nope') +
    fn('Chatty', 'Runtime: nodejs20.x, CodeUri: node, Handler: chatty.handler') +
    fn('PyChatty', 'Runtime: python3.11, CodeUri: py, Handler: app.chatty') +
    fn('NoBootstrap', 'Runtime: provided.al2, CodeUri: py, Handler: x.y'),
  'node/sleeper.js': `exports.handler = async () => { await new Promise((r) => setTimeout(r, 5000)); return { pid: ${ENV_ID} }; };`,
  'node/hog.js': `exports.handler = async (event) => {
    if (event.pid) return { pid: ${ENV_ID} };
    // Off-heap memory, touched so that it is resident: over the 128 MB the function is allowed.
    globalThis.keep = Buffer.alloc(200 * 1024 * 1024, 1);
    await new Promise((r) => setTimeout(r, 3000));
    return { survived: true };
  };`,
  'node/thrower.js': `exports.handler = async (event) => { if (event.ok) return { pid: ${ENV_ID} }; throw new TypeError('bad input: ' + event.value); };`,
  'node/crasher.js': `exports.handler = async (event) => { if (event.exit) process.exit(3); return { pid: ${ENV_ID} }; };`,
  'node/broken.js': `console.log('initialising'); throw new Error('cannot connect to the database at init');`,
  'node/chatty.js': `console.log('init line'); exports.handler = async () => {
    console.log('to stdout', { a: 1 }); console.error('to stderr'); process.stderr.write('raw stderr\\n');
    return 'ok'; };`,
  'py/app.py': `import sys
print("python init")
def handler(event, context):
    raise ValueError("no such order: %s" % event.get("id"))
def chatty(event, context):
    print("python stdout")
    print("python stderr", file=sys.stderr)
    return {"ok": True}
`,
};

beforeAll(async () => {
  server = await startTestServer();
  writeFiles(server.workspaces.rootOf('default'), FILES);
  client = lambdaClient(server);
});
afterAll(async () => {
  await server.stop();
});

const pidsOf = (name: string): number[] => server.lambda.peek('default')?.get(name)?.pool.pids() ?? [];

describe('failures are reported the way Lambda reports them', () => {
  it('a timeout kills the environment and answers "Task timed out after N.00 seconds"', async () => {
    const pending = invoke(client, 'Sleeper');
    const [pid] = await eventually(() => (pidsOf('Sleeper').length ? pidsOf('Sleeper') : undefined), 5000, 'the environment');
    // Counted from the environment's start (a cold start under load takes seconds of its own): the
    // handler sleeps 5 s, the answer comes after the 1 s timeout.
    const envStarted = Date.now();
    const r = await pending;
    expect(Date.now() - envStarted).toBeLessThan(3500);
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toEqual({
      errorType: 'Sandbox.Timedout',
      errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Task timed out after 1\.00 seconds$/),
    });
    expect(r.log).toMatch(/Task timed out after 1\.00 seconds/);
    expect(r.log).toMatch(/REPORT RequestId: .*Duration: 1\d{3}\.\d\d ms.*Status: timeout/);
    await eventually(() => (alive(pid as number) ? undefined : true), 3000, 'the timed-out process to be gone');
  });

  it('measures peak memory and kills an environment that goes over MemorySize', async () => {
    const fine = await invoke(client, 'Hog', { pid: true });
    const used = Number(/Max Memory Used: (\d+) MB/.exec(fine.log)?.[1]);
    expect(used).toBeGreaterThan(10);
    expect(used).toBeLessThan(128);
    const { pid } = fine.body as { pid: string };
    const r = await invoke(client, 'Hog');
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toEqual({
      errorType: 'Runtime.OutOfMemory',
      errorMessage: expect.stringMatching(/Runtime exited with error: signal: killed$/),
    });
    expect(Number(/Max Memory Used: (\d+) MB/.exec(r.log)?.[1])).toBeGreaterThan(128);
    expect(r.log).toMatch(/Status: error\tError Type: Runtime\.OutOfMemory/);
    await eventually(() => (alive(pid) ? undefined : true), 3000, 'the process to be killed');
  });

  it('a handler exception answers errorType, errorMessage and the stack with X-Amz-Function-Error: Unhandled', async () => {
    const r = await invoke(client, 'Thrower', { value: 42 });
    expect(r.status).toBe(200);
    expect(r.functionError).toBe('Unhandled');
    const body = r.body as { errorType: string; errorMessage: string; trace: string[] };
    expect(body.errorType).toBe('TypeError');
    expect(body.errorMessage).toBe('bad input: 42');
    expect(body.trace[0]).toBe('TypeError: bad input: 42');
    expect(body.trace.join('\n')).toMatch(/thrower\.js:1/);
    // The environment survives a handled exception.
    const ok = await invoke(client, 'Thrower', { ok: true });
    expect(ok.functionError).toBeUndefined();
  });

  it('a Python exception answers errorType, errorMessage and stackTrace', async () => {
    const r = await invoke(client, 'PyThrower', { id: 7 });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toMatchObject({ errorType: 'ValueError', errorMessage: 'no such order: 7', requestId: expect.any(String) });
    expect((r.body as { stackTrace: string[] }).stackTrace.join('')).toMatch(/app\.py", line 4, in handler/);
  });

  it('init errors are reported as such, and every invocation tries a fresh init', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const r = await invoke(client, 'BrokenInit');
      expect(r.functionError).toBe('Unhandled');
      expect(r.body).toMatchObject({ errorType: 'Error', errorMessage: 'cannot connect to the database at init' });
      expect(r.log).toMatch(/initialising/);
      expect(r.log).toMatch(/INIT_REPORT Init Duration: [\d.]+ ms\tPhase: init\tStatus: error\tError Type: Error/);
    }
    expect((await invoke(client, 'NoModule')).body).toMatchObject({
      errorType: 'Runtime.ImportModuleError',
      errorMessage: "Error: Cannot find module 'missing'",
    });
    expect((await invoke(client, 'PyNoHandler')).body).toMatchObject({
      errorType: 'Runtime.HandlerNotFound',
      errorMessage: "Handler 'nope' missing on module 'app'",
    });
    await eventually(() => (pidsOf('BrokenInit').length === 0 ? true : undefined), 3000, 'failed environments to be gone');
  });

  it('a provided runtime without a bootstrap is an init error that holds no process and no concurrency', async () => {
    const r = await invoke(client, 'NoBootstrap');
    expect(r.body).toMatchObject({
      errorType: 'Runtime.InvalidEntrypoint',
      errorMessage: expect.stringMatching(/Couldn't find valid bootstrap\(s\): \[\S+\/py\/bootstrap\]/),
    });
    const svc = server.lambda.peek('default');
    await eventually(() => (svc?.get('NoBootstrap')?.pool.environments === 0 ? true : undefined), 3000, 'no environment left');
    expect(svc?.concurrency.runningCount('NoBootstrap')).toBe(0);
  });

  it('a process that exits is reported as Runtime.ExitError and replaced', async () => {
    const { pid } = (await invoke(client, 'Crasher')).body as { pid: string };
    const r = await invoke(client, 'Crasher', { exit: true });
    expect(r.functionError).toBe('Unhandled');
    expect(r.body).toEqual({
      errorType: 'Runtime.ExitError',
      errorMessage: expect.stringMatching(/^RequestId: \S+ Error: Runtime exited with error: exit status 3$/),
    });
    const next = (await invoke(client, 'Crasher')).body as { pid: string };
    expect(next.pid).not.toBe(pid);
    expect(alive(pid)).toBe(false);
  });
});

describe('each invocation has its own log: init output, START, stdout and stderr, END, REPORT', () => {
  it('Node.js: console output as Lambda formats it, raw stderr, and Init Duration only on a cold start', async () => {
    const cold = await invoke(client, 'Chatty');
    const lines = cold.log.trimEnd().split('\n');
    const requestId = /START RequestId: (\S+)/.exec(cold.log)?.[1] as string;
    // The version that really runs: this server's node serves nodejs20.x.
    expect(lines[0]).toBe(`INIT_START Runtime Version: nodejs:${process.versions.node}`);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z\tundefined\tINFO\tinit line$/);
    expect(lines[2]).toBe(`START RequestId: ${requestId} Version: $LATEST`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`\\t${requestId}\\tINFO\\tto stdout { a: 1 }$`)));
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`\\t${requestId}\\tERROR\\tto stderr$`)));
    expect(lines).toContain('raw stderr');
    expect(lines.at(-2)).toBe(`END RequestId: ${requestId}`);
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB\\tInit Duration: [\\d.]+ ms$`,
      ),
    );
    const warm = await invoke(client, 'Chatty');
    expect(warm.log).not.toMatch(/INIT_START|init line|Init Duration/);
    expect(warm.log).toMatch(/to stdout/);
  });

  it('Python: print to stdout and stderr land in the invocation that printed them', async () => {
    await invoke(client, 'PyChatty');
    const warm = await invoke(client, 'PyChatty');
    const requestId = /START RequestId: (\S+)/.exec(warm.log)?.[1] as string;
    const body = warm.log.split(`START RequestId: ${requestId} Version: $LATEST\n`)[1] as string;
    expect(body.split(`END RequestId: ${requestId}`)[0]?.split('\n').sort()).toEqual(['', 'python stderr', 'python stdout']);
  });
});

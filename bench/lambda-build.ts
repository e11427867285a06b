/**
 * Lambda discovery and builds (npm run bench:lambda-build), against the compiled server on loopback:
 *  1. a workspace of 500 SAM templates: the first function list after the server starts (templates never
 *     read before, and after a restart), and how soon a changed template is listed; the floor is parsing
 *     the same files in one thread
 *     (the SAM CLI, the named peer, cannot be installed here: PyPI is out of reach);
 *  2. a Node.js function with a package.json of 3 dependencies (from a local registry): its first
 *     invocation (build + cold start), and its cold start after a restart (the build is cached), against
 *     a function without dependencies; the peer is `npm install` of the same manifest, run directly.
 * Prints markdown tables.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import type { LambdaFunctionList, LambdaInvocation } from '../shared/lambda.js';
import { startLocalPackages } from '../test/helpers/packages.js';
import { TEST_TOKEN } from '../test/helpers/server.js';

const dist = path.resolve('dist/server');
const { startNimbus } = (await import(path.join(dist, 'main.js'))) as typeof import('../server/main.js');
const { parseConfig } = (await import(path.join(dist, 'config.js'))) as typeof import('../server/config.js');
const { createLogger } = (await import(path.join(dist, 'logger.js'))) as typeof import('../server/logger.js');
const { readQuickly } = (await import(
  path.join(dist, 'lambda/template/fastYaml.js')
)) as typeof import('../server/lambda/template/fastYaml.js');
const { readLeniently } = (await import(
  path.join(dist, 'lambda/template/discover.js')
)) as typeof import('../server/lambda/template/discover.js');

const TEMPLATES = 500;
const RUNS = 5;

type Nimbus = Awaited<ReturnType<typeof startNimbus>>;

async function start(dataDir: string): Promise<Nimbus> {
  const config = parseConfig(['--port', '0', '--data-dir', dataDir, '--token', TEST_TOKEN], {}, process.cwd());
  if (config === 'help') throw new Error('unexpected help');
  return startNimbus(config, { log: createLogger({ level: 'silent' }) });
}

const api = (n: Nimbus, pathname: string, init: RequestInit = {}): Promise<Response> =>
  fetch(n.url + pathname, {
    ...init,
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
  });

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number): string => `${Math.round(x)} ms`;

function template(i: number): string {
  return `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Description: service ${i}
Parameters:
  Stage: { Type: String, Default: dev }
Globals:
  Function: { Timeout: 10, Runtime: nodejs20.x, MemorySize: 256, Environment: { Variables: { STAGE: !Ref Stage } } }
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Environment:
        Variables:
          TABLE: !Ref Table
      Policies:
        - DynamoDBCrudPolicy: { TableName: !Ref Table }
      Events:
        Api: { Type: Api, Properties: { Path: /hello, Method: get } }
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "\${AWS::StackName}-items"
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions: [{ AttributeName: id, AttributeType: S }]
      KeySchema: [{ AttributeName: id, KeyType: HASH }]
Outputs:
  Api: { Value: !Sub "https://\${ServerlessRestApi}.execute-api.\${AWS::Region}.amazonaws.com/Prod/hello/" }
`;
}

async function discovery(): Promise<string> {
  const firsts: number[] = [];
  const restarts: number[] = [];
  const changes: number[] = [];
  let quickFloor = 0;
  let lenientFloor = 0;
  for (let run = 0; run < RUNS; run++) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-discovery-'));
    let n = await start(dataDir);
    const root = n.workspaces.rootOf('default');
    for (let i = 0; i < TEMPLATES; i++) {
      fs.mkdirSync(path.join(root, `svc${i}`, 'src'), { recursive: true });
      fs.writeFileSync(path.join(root, `svc${i}`, 'template.yaml'), template(i));
    }
    // A fresh server and templates never read before (a workspace just cloned): every template is parsed.
    await n.close();
    n = await start(dataDir);
    const firstList = async (): Promise<number> => {
      await api(n, '/api/workspaces/default/wake', { method: 'POST' });
      const t0 = performance.now();
      const list = (await (await api(n, '/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;
      if (list.functions.length !== TEMPLATES) throw new Error(`listed ${list.functions.length} functions`);
      return performance.now() - t0;
    };
    firsts.push(await firstList());
    // A restart: what was parsed before is kept in the data dir, so only the files are read again.
    await n.close();
    n = await start(dataDir);
    restarts.push(await firstList());
    // One template changes: how soon the list shows it.
    const file = path.join(root, 'svc7', 'template.yaml');
    const t = performance.now();
    fs.writeFileSync(file, template(7).replace('MemorySize: 256', 'MemorySize: 512'));
    for (;;) {
      const l = (await (await api(n, '/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;
      if (l.functions.some((f) => f.memorySize === 512)) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    changes.push(performance.now() - t);
    if (run === 0) {
      const texts = Array.from({ length: TEMPLATES }, (_, i) => fs.readFileSync(path.join(root, `svc${i}`, 'template.yaml'), 'utf8'));
      const timed = (parse: (text: string) => unknown): number => {
        for (const text of texts) parse(text); // warm
        const t0 = performance.now();
        for (const text of texts) parse(text);
        return performance.now() - t0;
      };
      quickFloor = timed((text) => readQuickly(text, ['Resources', 'Parameters']));
      lenientFloor = timed((text) => readLeniently('template.yaml', text));
    }
    await n.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return [
    `### Discovery: ${TEMPLATES} templates (median of ${RUNS})`,
    '',
    '| measure | time |',
    '|---|---|',
    `| first function list after a server start, templates never read before | ${ms(median(firsts))} (worst ${ms(Math.max(...firsts))}) |`,
    `| first function list after a restart (target < 1 s) | ${ms(median(restarts))} (worst ${ms(Math.max(...restarts))}) |`,
    `| a changed template listed (file written → list shows it) | ${ms(median(changes))} |`,
    `| floor: parsing the same ${TEMPLATES} files in one warm thread, quick reader (js-yaml) | ${ms(quickFloor)} |`,
    `| the same with the lenient reader (yaml, used only where a template needs it) | ${ms(lenientFloor)} |`,
    '',
  ].join('\n');
}

async function builds(): Promise<string> {
  const packages = await startLocalPackages();
  process.env.npm_config_registry = packages.registry;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-build-'));
  let n = await start(dataDir);
  const root = n.workspaces.rootOf('default');
  const manifest = JSON.stringify({
    name: 'deps',
    dependencies: { 'nimbus-right': '^2.0.0', 'nimbus-left': '^1.2.0', 'nimbus-shout': '^0.3.0' },
  });
  fs.mkdirSync(path.join(root, 'deps'), { recursive: true });
  fs.mkdirSync(path.join(root, 'plain'), { recursive: true });
  fs.writeFileSync(
    path.join(root, 'template.yaml'),
    `Resources:
  Deps:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: deps, Handler: index.handler, Runtime: nodejs20.x, Timeout: 60 }
  Plain:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: plain, Handler: index.handler, Runtime: nodejs20.x }
`,
  );
  fs.writeFileSync(path.join(root, 'deps/package.json'), manifest);
  fs.writeFileSync(
    path.join(root, 'deps/index.js'),
    "const { both } = require('nimbus-right'); const { left } = require('nimbus-left'); exports.handler = async () => both(left('x'));",
  );
  fs.writeFileSync(path.join(root, 'plain/index.js'), "exports.handler = async () => '<<x>';");
  const invoke = async (name: string): Promise<{ wall: number; inv: LambdaInvocation }> => {
    const t = performance.now();
    const res = await api(n, `/api/workspaces/default/lambda/functions/${name}/invoke`, { method: 'POST', body: '{"payload":"{}"}' });
    const inv = (await res.json()) as LambdaInvocation;
    if (inv.functionError) throw new Error(`${name} failed: ${inv.payload}\n${inv.log}`);
    return { wall: performance.now() - t, inv };
  };
  await api(n, '/api/workspaces/default/wake', { method: 'POST' });
  await api(n, '/api/workspaces/default/lambda/functions');
  const first = await invoke('Deps');
  const cachedCold: number[] = [];
  const plainCold: number[] = [];
  for (let run = 0; run < RUNS; run++) {
    // A restart: every environment is gone; the build stays.
    await n.close();
    n = await start(dataDir);
    await api(n, '/api/workspaces/default/wake', { method: 'POST' });
    await api(n, '/api/workspaces/default/lambda/functions');
    const d = await invoke('Deps');
    if (d.inv.log.includes('NIMBUS BUILD')) throw new Error('built again after a restart');
    cachedCold.push(d.wall);
    plainCold.push((await invoke('Plain')).wall);
  }
  // The peer: npm install of the same manifest, run directly (what `sam build` runs for it).
  const peerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-npm-'));
  fs.writeFileSync(path.join(peerDir, 'package.json'), manifest);
  // Asynchronous: the local registry answers from this process.
  const t = performance.now();
  await promisify(execFile)('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--cache', path.join(peerDir, '.cache')], {
    cwd: peerDir,
  });
  const peer = performance.now() - t;
  await n.close();
  await packages.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.rmSync(peerDir, { recursive: true, force: true });
  const ratio = median(cachedCold) / median(plainCold);
  return [
    `### Builds: a Node.js function with 3 dependencies (local registry; cold starts: median of ${RUNS} restarts)`,
    '',
    '| measure | time |',
    '|---|---|',
    `| first invocation: build (npm install in the sandbox) + cold start | ${ms(first.wall)} |`,
    `| peer: npm install of the same package.json, run directly | ${ms(peer)} |`,
    `| cold start after a restart, build cached | ${ms(median(cachedCold))} |`,
    `| cold start of a function without dependencies | ${ms(median(plainCold))} |`,
    `| cached cold start / no-dependency cold start (target ≤ 1.20) | ${ratio.toFixed(2)} |`,
    '',
  ].join('\n');
}

console.log(await discovery());
console.log(await builds());

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaFunctionList, LambdaInvocation } from '../shared/lambda.js';
import { writeFiles } from './helpers/lambda.js';
import { startLocalPackages, type LocalPackages } from './helpers/packages.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let packages: LocalPackages;
let server: TestServer;
let dataDir: string;
let root: string;

const TEMPLATE = `Resources:
  Deps:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: deps, Handler: index.handler, Runtime: nodejs20.x, Timeout: 30 }
  Plain:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: plain, Handler: index.handler, Runtime: nodejs20.x }
  Slow:
    Type: AWS::Serverless::Function
    Properties: { CodeUri: slow, Handler: index.handler, Runtime: nodejs20.x, Timeout: 30 }
    Metadata: { BuildMethod: makefile }
`;

beforeAll(async () => {
  packages = await startLocalPackages();
  process.env.npm_config_registry = packages.registry;
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-builds-'));
  server = await startTestServer({ dataDir });
  root = server.workspaces.rootOf('default');
  writeFiles(root, {
    'template.yaml': TEMPLATE,
    'deps/package.json': JSON.stringify({ name: 'deps', dependencies: { 'nimbus-right': '^2.0.0' } }),
    'deps/index.js': `exports.handler = async () => { let shout; try { shout = require('nimbus-shout') && 'present'; } catch { shout = 'absent'; } return { both: require('nimbus-right').both('x'), shout }; };`,
    'plain/index.js': 'exports.handler = async () => "plain";',
    // Its build waits until the test opens a gate: a build that takes as long as the test wants.
    'slow/Makefile': 'build-Slow:\n\twhile [ ! -f ../gate ]; do sleep 0.05; done\n\tcp index.js "$(ARTIFACTS_DIR)/"\n',
    'slow/index.js': 'exports.handler = async () => "slow";',
  });
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  await server?.stop();
  await packages?.close();
  delete process.env.npm_config_registry;
  fs.rmSync(dataDir, { recursive: true, force: true });
});

async function run(name: string): Promise<LambdaInvocation> {
  const res = await server.api(`/api/workspaces/default/lambda/functions/${name}/invoke`, { method: 'POST', body: '{"payload":"{}"}' });
  expect(res.status).toBe(200);
  return (await res.json()) as LambdaInvocation;
}

const list = async (): Promise<LambdaFunctionList> =>
  (await (await server.api('/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;

describe('functions are built as `sam build` builds them, once per manifest, without blocking the others', () => {
  it('the first invocation installs the dependencies and shows the build in its log; the next one builds nothing', async () => {
    const first = await run('Deps');
    expect(JSON.parse(first.payload)).toEqual({ both: '<x>', shout: 'absent' });
    expect(first.log).toMatch(/^NIMBUS BUILD npm install\n[\s\S]*NIMBUS BUILD npm install done in [\d.]+ s\nINIT_START/);
    expect((await list()).functions.find((f) => f.name === 'Deps')?.build).toMatchObject({ state: 'built' });
    const asked = packages.requests.length;
    const second = await run('Deps');
    expect(second.log).not.toContain('NIMBUS BUILD');
    expect(packages.requests.length).toBe(asked);
  });

  it('a changed manifest builds again at the next invocation; the old manifest again is found built', async () => {
    const manifest = path.join(root, 'deps/package.json');
    const before = fs.readFileSync(manifest, 'utf8');
    fs.writeFileSync(manifest, JSON.stringify({ name: 'deps', dependencies: { 'nimbus-right': '^2.0.0', 'nimbus-shout': '^0.3.0' } }));
    await expect.poll(async () => JSON.parse((await run('Deps')).payload), { timeout: 20_000 }).toEqual({ both: '<x>', shout: 'present' });
    fs.writeFileSync(manifest, before);
    await expect.poll(async () => JSON.parse((await run('Deps')).payload), { timeout: 20_000 }).toEqual({ both: '<x>', shout: 'absent' });
    expect((await run('Deps')).log).not.toContain('NIMBUS BUILD');
  });

  it('one function building does not hold up another; the sidebar shows it building', async () => {
    const slow = run('Slow');
    await expect.poll(async () => (await list()).functions.find((f) => f.name === 'Slow')?.build?.state).toBe('building');
    // Meanwhile another function runs at once.
    expect(JSON.parse((await run('Plain')).payload)).toBe('plain');
    fs.writeFileSync(path.join(root, 'gate'), '');
    const done = await slow;
    expect(JSON.parse(done.payload)).toBe('slow');
    expect(done.log).toContain('NIMBUS BUILD make build-Slow done');
  });

  it('a failing build is the invocation’s failure, with the build’s output as its log', async () => {
    fs.writeFileSync(path.join(root, 'deps/package.json'), JSON.stringify({ name: 'deps', dependencies: { 'nimbus-missing': '^1.0.0' } }));
    // The watcher tells the server of the change: poll until the next invocation builds (and fails).
    await expect.poll(async () => (await run('Deps')).errorType, { timeout: 20_000 }).toBe('Nimbus.BuildFailed');
    const inv = await run('Deps');
    expect(inv).toMatchObject({ functionError: 'Unhandled', errorType: 'Nimbus.BuildFailed' });
    expect(JSON.parse(inv.payload)).toEqual({ errorType: 'Nimbus.BuildFailed', errorMessage: 'the build failed: npm install' });
    expect(inv.log).toMatch(/404[\s\S]*nimbus-missing[\s\S]*NIMBUS BUILD npm install failed \(exit status 1\)/);
    expect((await list()).functions.find((f) => f.name === 'Deps')?.build?.state).toBe('failed');
  });

  it('after a restart, what was built is used as it is: no build, no registry request', async () => {
    fs.writeFileSync(path.join(root, 'deps/package.json'), JSON.stringify({ name: 'deps', dependencies: { 'nimbus-right': '^2.0.0' } }));
    await server.stop();
    server = await startTestServer({ dataDir });
    await server.api('/api/workspaces/default/wake', { method: 'POST' });
    const asked = packages.requests.length;
    const inv = await run('Deps');
    expect(JSON.parse(inv.payload)).toEqual({ both: '<x>', shout: 'absent' });
    expect(inv.log).not.toContain('NIMBUS BUILD');
    expect(inv.initDurationMs).toBeGreaterThan(0);
    expect(packages.requests.length).toBe(asked);
  });

  it('build output deleted (.aws-sam) is built again at the next invocation', async () => {
    fs.rmSync(path.join(root, '.aws-sam'), { recursive: true, force: true });
    await expect
      .poll(
        async () => {
          const inv = await run('Deps');
          return inv.log.includes('NIMBUS BUILD npm install done') ? JSON.parse(inv.payload) : undefined;
        },
        { timeout: 20_000 },
      )
      .toEqual({ both: '<x>', shout: 'absent' });
    expect((await run('Deps')).log).not.toContain('NIMBUS BUILD');
  });
});

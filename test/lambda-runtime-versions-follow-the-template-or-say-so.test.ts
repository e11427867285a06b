import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaFunctionList, LambdaInvocation } from '../shared/lambda.js';
import { eventually, writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

/** Debian's own python3 (not the PATH's first one): the interpreter this server is told serves python3.12. */
const DEBIAN_PYTHON = '/usr/bin/python3.11';
const debianVersion = execFileSync(DEBIAN_PYTHON, ['-c', 'import sys; print(sys.version.split()[0])'], { encoding: 'utf8' }).trim();

let server: TestServer;

const fn = (id: string, runtime: string, handler: string): string =>
  `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties: { CodeUri: src, Handler: ${handler}, Runtime: ${runtime} }\n`;

beforeAll(async () => {
  server = await startTestServer({}, ['--lambda-interpreter', `python3.12=${DEBIAN_PYTHON}`]);
  writeFiles(server.workspaces.rootOf('default'), {
    'template.yaml': `Resources:\n${fn('Node24', 'nodejs24.x', 'index.handler')}${fn('Node20', 'nodejs20.x', 'index.handler')}${fn('Py312', 'python3.12', 'app.handler')}${fn('Py39', 'python3.9', 'app.handler')}`,
    'src/index.js': 'exports.handler = async () => ({ version: process.versions.node });',
    'src/app.py':
      'import sys\n\ndef handler(event, context):\n    return {"version": sys.version.split()[0], "executable": sys.executable}\n',
  });
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  await server?.stop();
});

async function run(name: string): Promise<{ result: Record<string, string>; log: string }> {
  const res = await server.api(`/api/workspaces/default/lambda/functions/${name}/invoke`, { method: 'POST', body: '{"payload":"{}"}' });
  const inv = (await res.json()) as LambdaInvocation;
  return { result: JSON.parse(inv.payload) as Record<string, string>, log: inv.log };
}

describe('each runtime runs on the interpreter configured for it, or the closest one, and says so when the version differs', () => {
  it('lists a warning on each function whose runtime runs on another version', async () => {
    const list = await eventually(async () => {
      const l = (await (await server.api('/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;
      return l.functions.length === 4 ? l : undefined;
    });
    const warnings = Object.fromEntries(list.functions.map((f) => [f.name, f.warnings]));
    const major = process.versions.node.split('.')[0];
    expect(warnings.Node20).toEqual(major === '20' ? [] : [expect.stringMatching(/nodejs20\.x runs on Node\.js/)]);
    expect(warnings.Node24).toEqual([
      `nodejs24.x runs on Node.js ${process.versions.node} here, the closest available: to use Node.js 24, start Nimbus with --lambda-interpreter nodejs24.x=/path/to/node`,
    ]);
    expect(warnings.Py312).toEqual([
      `python3.12 runs on Python ${debianVersion} here (configured for it): to use Python 3.12, start Nimbus with --lambda-interpreter python3.12=/path/to/python3.12`,
    ]);
    expect(warnings.Py39).toEqual([expect.stringMatching(/^python3\.9 runs on Python 3\.\d+\.\d+ here, the closest available/)]);
  });

  it('INIT_START names the version that really runs, with the same plain word in the log', async () => {
    const node = await run('Node24');
    expect(node.result.version).toBe(process.versions.node);
    const lines = node.log.split('\n');
    expect(lines[0]).toBe(`INIT_START Runtime Version: nodejs:${process.versions.node}`);
    expect(lines[1]).toMatch(/^NIMBUS: nodejs24\.x runs on Node\.js .* here, the closest available/);

    const configured = await run('Py312');
    expect(configured.result).toEqual({ version: debianVersion, executable: DEBIAN_PYTHON });
    expect(configured.log.split('\n')[0]).toBe(`INIT_START Runtime Version: python:${debianVersion}`);
    expect(configured.log).toContain('NIMBUS: python3.12 runs on Python');

    const warm = await run('Py312');
    expect(warm.log).not.toContain('INIT_START');
  });

  it("Python's own bytecode cache (__pycache__) is not a code change: the environment stays warm", async () => {
    const root = server.workspaces.rootOf('default');
    await run('Py39');
    await expect.poll(() => fs.existsSync(path.join(root, 'src/__pycache__'))).toBe(true);
    fs.writeFileSync(path.join(root, 'src/__pycache__/extra.cpython-311.pyc'), 'bytecode');
    // A later change that shows in the list: file events come in order, so the .pyc's has been handled.
    const template = fs.readFileSync(path.join(root, 'template.yaml'), 'utf8');
    fs.writeFileSync(path.join(root, 'template.yaml'), `${template}${fn('Later', 'nodejs20.x', 'index.handler')}`);
    await eventually(async () => {
      const l = (await (await server.api('/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;
      return l.functions.some((f) => f.name === 'Later') ? true : undefined;
    });
    expect((await run('Py39')).log).not.toContain('INIT_START');
  });
});

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let root: string;
beforeAll(async () => {
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  // A sibling folder whose name starts with the workspace's own name, and a secret outside.
  fs.mkdirSync(`${root}-evil`, { recursive: true });
  fs.writeFileSync(`${root}-evil/secret.txt`, 'sibling secret');
  fs.writeFileSync(path.join(server.dataDir, 'outside.txt'), 'outside secret');
  fs.symlinkSync(path.join(server.dataDir, 'outside.txt'), path.join(root, 'link-out.txt'));
  fs.symlinkSync(server.dataDir, path.join(root, 'dir-out'));
  fs.writeFileSync(path.join(root, 'inside.txt'), 'ok');
  fs.symlinkSync('inside.txt', path.join(root, 'link-in.txt'));
});
afterAll(async () => {
  await server.stop();
});

const file = (p: string): string => `/api/workspaces/default/file?path=${p}`;

describe('file paths are confined to the workspace root', () => {
  it.each([
    ['..', '../outside.txt'],
    ['encoded ..', '%2e%2e/outside.txt'],
    ['double-encoded .. is just a name, not a traversal', null],
    ['nested ..', 'a/../../outside.txt'],
    ['absolute path', '/etc/passwd'],
    ['encoded absolute path', '%2Fetc%2Fpasswd'],
    ['sibling folder with the root as prefix', '..%2Fdefault-evil%2Fsecret.txt'],
  ])('refuses %s', async (_name, p) => {
    if (p === null) {
      const res = await server.api(file('%252e%252e%252foutside.txt'));
      expect(res.status).toBe(404);
      return;
    }
    const res = await server.api(file(p));
    expect([400, 403]).toContain(res.status);
    const body = (await res.json()) as { error: { code: string } };
    expect(body.error.code).toMatch(/invalid_path|outside_workspace/);
  });

  it('refuses symlinks that point outside, for reading, writing and listing', async () => {
    expect((await server.api(file('link-out.txt'))).status).toBe(403);
    expect((await server.api(file('dir-out/outside.txt'))).status).toBe(403);
    expect((await server.api(file('dir-out/new.txt'), { method: 'PUT', body: 'x' })).status).toBe(403);
    expect((await server.api('/api/workspaces/default/files?path=dir-out')).status).toBe(403);
    expect(fs.existsSync(path.join(server.dataDir, 'new.txt'))).toBe(false);
    expect(fs.readFileSync(path.join(server.dataDir, 'outside.txt'), 'utf8')).toBe('outside secret');
  });

  it('follows symlinks that stay inside', async () => {
    const res = await server.api(file('link-in.txt'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('ok');
  });

  it('answers 400 with a reason for a symbolic link loop and an over-long name, for reading, writing and listing', async () => {
    const root = server.workspaces.rootOf('default');
    fs.symlinkSync('loop-b', path.join(root, 'loop-a'));
    fs.symlinkSync('loop-a', path.join(root, 'loop-b'));
    const long = 'x'.repeat(300);
    const cases: [string, RequestInit, string][] = [
      [file('loop-a/x.txt'), {}, 'symlink_loop'],
      [file('loop-a/x.txt'), { method: 'PUT', body: 'x' }, 'symlink_loop'],
      ['/api/workspaces/default/files?path=loop-a', {}, 'symlink_loop'],
      [file(`${long}.txt`), {}, 'path_too_long'],
      [file(`${long}.txt`), { method: 'PUT', body: 'x' }, 'path_too_long'],
    ];
    for (const [url, init, code] of cases) {
      const res = await server.api(url, init);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect({ url, method: init.method ?? 'GET', status: res.status, code: body.error.code }).toEqual({
        url,
        method: init.method ?? 'GET',
        status: 400,
        code,
      });
      expect(body.error.message).not.toMatch(/\bat \S+ \(/); // no stack trace
    }
  });

  it('a folder swapped for a link to the outside between the check and the open is caught: reads and writes stay inside', async () => {
    // Another process flips the link `swap` between a folder inside and a folder outside, atomically,
    // as fast as it can: a check that sees it inside can be followed by an open that goes outside.
    const outside = fs.mkdtempSync(path.join(server.dataDir, 'race-'));
    fs.writeFileSync(path.join(outside, 'x.txt'), 'RACE SECRET');
    fs.mkdirSync(path.join(root, 'real'));
    fs.writeFileSync(path.join(root, 'real', 'x.txt'), 'inside');
    fs.symlinkSync('real', path.join(root, 'swap'));
    const flipper = spawn('python3', [
      '-c',
      `
import os, time
os.chdir(${JSON.stringify(root)})
end = time.time() + 30
while time.time() < end:
    for target in (${JSON.stringify(outside)}, 'real'):
        try:
            os.symlink(target, 'swap.next')
            os.replace('swap.next', 'swap')
        except OSError:
            pass
`,
    ]);
    try {
      const seen = new Map<string, number>();
      const read = async (): Promise<void> => {
        const res = await server.api(file('swap/x.txt'));
        const text = res.status === 200 ? await res.text() : String(res.status);
        seen.set(text, (seen.get(text) ?? 0) + 1);
      };
      // Batches of concurrent reads and writes, as the review's 1,113 requests were.
      for (let batch = 0; batch < 60; batch++) {
        await Promise.all([
          ...Array.from({ length: 20 }, read),
          ...Array.from({ length: 5 }, (_, i) =>
            server.api(file(`swap/new-${batch}-${i}.txt`), { method: 'PUT', body: 'written', headers: { 'content-type': 'text/plain' } }),
          ),
        ]);
      }
      expect([...seen.keys()].filter((k) => !['inside', '403'].includes(k))).toEqual([]);
      expect(seen.get('inside')).toBeGreaterThan(0);
      expect(fs.readdirSync(outside)).toEqual(['x.txt']);
    } finally {
      flipper.kill('SIGKILL');
    }
  });

  it('keeps serving after refusing', async () => {
    expect((await server.api(file('inside.txt'))).status).toBe(200);
  });
});

describe('files API', () => {
  it('writes, reads, lists, renames, moves and deletes files and folders', async () => {
    let res = await server.api(file('src/app.ts'), {
      method: 'PUT',
      body: 'const a = 1;\n',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(201);
    expect(fs.readFileSync(path.join(root, 'src/app.ts'), 'utf8')).toBe('const a = 1;\n');
    res = await server.api(file('src/app.ts'), {
      method: 'PUT',
      body: 'const a = 2;\n',
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(res.status).toBe(200);
    expect(await (await server.api(file('src/app.ts'))).text()).toBe('const a = 2;\n');

    const listing = (await (await server.api('/api/workspaces/default/files?path=src')).json()) as { name: string; type: string }[];
    expect(listing).toEqual([expect.objectContaining({ name: 'app.ts', type: 'file', path: 'src/app.ts' })]);

    res = await server.api('/api/workspaces/default/files/mkdir', { method: 'POST', body: JSON.stringify({ path: 'lib/util' }) });
    expect(res.status).toBe(201);
    expect(fs.statSync(path.join(root, 'lib/util')).isDirectory()).toBe(true);

    res = await server.api('/api/workspaces/default/files/rename', {
      method: 'POST',
      body: JSON.stringify({ from: 'src/app.ts', to: 'lib/util/app.ts' }),
    });
    expect(res.status).toBe(200);
    expect(fs.existsSync(path.join(root, 'src/app.ts'))).toBe(false);
    expect(fs.readFileSync(path.join(root, 'lib/util/app.ts'), 'utf8')).toBe('const a = 2;\n');

    res = await server.api('/api/workspaces/default/files/rename', {
      method: 'POST',
      body: JSON.stringify({ from: 'lib', to: 'lib/util/inner' }),
    });
    expect(res.status).toBe(400);
    res = await server.api('/api/workspaces/default/files/rename', {
      method: 'POST',
      body: JSON.stringify({ from: 'inside.txt', to: 'lib/util/app.ts' }),
    });
    expect(res.status).toBe(409);

    res = await server.api(file('lib'), { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(fs.existsSync(path.join(root, 'lib'))).toBe(false);
    expect((await server.api(file('lib'), { method: 'DELETE' })).status).toBe(404);
    expect((await server.api(file(''), { method: 'DELETE' })).status).toBe(400);
  });

  it('downloads a folder as a zip and a file as an attachment', async () => {
    await server.api(file('zipme/a.txt'), { method: 'PUT', body: 'AAA', headers: { 'content-type': 'text/plain' } });
    await server.api(file('zipme/sub/b.txt'), { method: 'PUT', body: 'BBB', headers: { 'content-type': 'text/plain' } });
    const res = await server.api('/api/workspaces/default/download?path=zipme');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toContain('zipme.zip');
    const zip = Buffer.from(await res.arrayBuffer());
    expect(zip.subarray(0, 4).toString('hex')).toBe('504b0304');
    expect(zip.includes(Buffer.from('sub/b.txt'))).toBe(true);
    const one = await server.api('/api/workspaces/default/download?path=zipme/a.txt');
    expect(one.headers.get('content-disposition')).toContain('a.txt');
    expect(await one.text()).toBe('AAA');
  });
});

describe('bad input gets a clear error and the server keeps serving', () => {
  it('413 for an upload over the limit, 413 for JSON over 1 MB, 400 for malformed JSON, 404 for unknown routes', async () => {
    const small = await startTestServer({ uploadLimitBytes: 1024 });
    try {
      const big = await small.api(file('big.bin'), {
        method: 'PUT',
        body: Buffer.alloc(4096),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(big.status).toBe(413);
      expect(await big.json()).toEqual({ error: { code: 'payload_too_large', message: expect.any(String) } });
    } finally {
      await small.stop();
    }
    const json = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024) }) });
    expect(json.status).toBe(413);
    const malformed = await server.api('/api/workspaces', { method: 'POST', body: '{"name": ' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('malformed_json');
    const invalid = await server.api('/api/workspaces', { method: 'POST', body: JSON.stringify({ name: 42 }) });
    expect(invalid.status).toBe(400);
    const unknown = await server.api('/api/nope');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect((await server.api('/api/health')).status).toBe(200);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { collectTypings } from './typings.js';

const dirs: string[] = [];
const tmp = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-typings-'));
  dirs.push(dir);
  return dir;
};
const write = (root: string, rel: string, text: string): void => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the workspace’s @types declarations', () => {
  it('lists the .d.ts files under node_modules/@types, follows links inside the workspace and none outside', async () => {
    const root = tmp();
    const outside = tmp();
    write(root, 'node_modules/@types/a/index.d.ts', 'export declare const a: 1;');
    write(root, 'node_modules/@types/a/package.json', '{}');
    write(root, 'node_modules/.pnpm/b/index.d.ts', 'export declare const b: 2;');
    fs.symlinkSync(path.join(root, 'node_modules/.pnpm/b'), path.join(root, 'node_modules/@types/b'));
    write(outside, 'secret.d.ts', 'declare const secret: "server";');
    fs.symlinkSync(outside, path.join(root, 'node_modules/@types/escape'));
    fs.symlinkSync(path.join(outside, 'secret.d.ts'), path.join(root, 'node_modules/@types/a/linked.d.ts'));
    const { files, truncated } = await collectTypings(root);
    expect(files.map((f) => f.path)).toEqual(['node_modules/@types/a/index.d.ts', 'node_modules/@types/b/index.d.ts']);
    expect(files[1]?.text).toContain('const b');
    expect(truncated).toBe(false);
  });

  it('stops at its limits of files and bytes, and says so', async () => {
    const root = tmp();
    for (let i = 0; i < 5; i++) write(root, `node_modules/@types/p${i}/index.d.ts`, 'x'.repeat(100));
    expect(await collectTypings(root, { maxFiles: 3, maxBytes: 1e6 })).toMatchObject({ truncated: true, files: { length: 3 } });
    expect(await collectTypings(root, { maxFiles: 100, maxBytes: 250 })).toMatchObject({ truncated: true, files: { length: 2 } });
    expect(await collectTypings(tmp())).toEqual({ files: [], truncated: false });
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_INDEX_LIMITS, indexFiles, indexFilter } from './fileIndex.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-index-'));
const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-index-outside-'));
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});
const write = (rel: string, text = 'x'): void => {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), text);
};

describe('the workspace file index (quick open)', () => {
  it('lists files breadth-first, honours every .gitignore for its subtree, skips .git, follows no folder link', async () => {
    write('.gitignore', 'node_modules/\n*.log\n/build\n');
    write('README.md');
    write('app.log');
    write('build/out.js');
    write('src/build/keep.js'); // `/build` is anchored to the root
    write('src/main.ts');
    write('src/.gitignore', 'generated/\n!important.log\n');
    write('src/generated/x.ts');
    write('src/important.log');
    write('node_modules/lib/index.js');
    write('.git/HEAD');
    fs.writeFileSync(path.join(outside, 'secret.txt'), 'no');
    fs.symlinkSync(outside, path.join(root, 'linked'));
    fs.symlinkSync('README.md', path.join(root, 'readme-link.md'));
    const { files, truncated } = await indexFiles(root);
    expect(truncated).toBe(false);
    expect(files).toEqual([
      '.gitignore',
      'README.md',
      'linked',
      'readme-link.md',
      'src/.gitignore',
      'src/important.log',
      'src/main.ts',
      'src/build/keep.js',
    ]);
  });

  it('stops at its limits and says so', async () => {
    for (let i = 0; i < 30; i++) write(`many/f${String(i).padStart(2, '0')}.txt`);
    expect(await indexFiles(root, { ...DEFAULT_INDEX_LIMITS, maxFiles: 5 })).toMatchObject({ truncated: true, files: { length: 5 } });
    expect((await indexFiles(root, { ...DEFAULT_INDEX_LIMITS, maxEntries: 10 })).truncated).toBe(true);
  });

  it('judges a single new file as the walk does (the watcher marks added files quick open leaves out)', async () => {
    const listed = new Set((await indexFiles(root)).files);
    const every = (dir: string): string[] =>
      fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((d) => {
        const rel = dir ? `${dir}/${d.name}` : d.name;
        return d.isDirectory() ? every(rel) : d.isFile() ? [rel] : [];
      });
    const filter = indexFilter(root);
    const files = every('');
    expect(files.length).toBeGreaterThan(8);
    for (const rel of files) expect([rel, await filter(rel)]).toEqual([rel, listed.has(rel)]);
  });
});

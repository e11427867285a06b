import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './helpers/server.js';

// Each test runs against both engines: ripgrep's candidate files (where installed; CI installs it) and
// the built-in walk. They must answer alike.
const hasRipgrep = spawnSync('rg', ['--version']).status === 0;
const engines = hasRipgrep ? (['auto', 'builtin'] as const) : (['builtin'] as const);

describe.each(engines)('find in files (engine: %s)', (engine) => {
  let server: TestServer;
  let root: string;
  beforeAll(async () => {
    // A budget no normal search here comes near, even on a loaded machine (workers start through tsx).
    server = await startTestServer({ searchEngine: engine, searchLimits: { concurrent: 2, timeoutMs: 15_000, maxMatches: 50 } });
    root = server.workspaces.rootOf('default');
    const write = (rel: string, text: string | Buffer): void => {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
    };
    write('src/a.ts', 'const Needle = 1;\nconst needle2 = needle;\n// needles\n');
    write('src/b.js', 'no match here\n  find the needle\r\n');
    write('docs/readme.md', 'A needle in docs.\n');
    write('build/out.js', 'needle in build output\n');
    write('.gitignore', 'build/\n');
    write('blob.bin', Buffer.from([0x6e, 0x65, 0x65, 0x64, 0x6c, 0x65, 0, 1, 2]));
    write('many.txt', 'x needle\n'.repeat(80));
    write('slow.txt', `${'a'.repeat(40)}!\n`);
  });
  afterAll(async () => {
    await server.stop();
  });

  interface Line {
    type: string;
    path?: string;
    matches?: { line: number; column: number; length: number; preview: string; previewColumn: number }[];
    [k: string]: unknown;
  }
  async function search(params: Record<string, string>): Promise<{ status: number; lines: Line[] }> {
    const res = await server.api(`/api/workspaces/default/search?${new URLSearchParams(params)}`);
    const text = await res.text();
    return {
      status: res.status,
      lines:
        res.status === 200
          ? text
              .trim()
              .split('\n')
              .map((l) => JSON.parse(l) as Line)
          : [JSON.parse(text) as Line],
    };
  }
  const files = (lines: Line[]): string[] =>
    lines
      .filter((l) => l.type === 'file')
      .map((l) => l.path as string)
      .sort();

  describe('find in files: a search on the server, streamed by file', () => {
    it('finds text case-insensitively by default, with line, column and a preview; skips ignored and binary files', async () => {
      const { status, lines } = await search({ q: 'needle', exclude: 'many.txt' });
      expect(status).toBe(200);
      expect(files(lines)).toEqual(['docs/readme.md', 'src/a.ts', 'src/b.js']);
      const b = lines.find((l) => l.path === 'src/b.js');
      expect(b?.matches).toEqual([{ line: 2, column: 12, length: 6, preview: '  find the needle', previewColumn: 11 }]);
      expect(lines.at(-1)).toMatchObject({ type: 'done', files: 3, matches: 6, truncated: false, timedOut: false });
    });

    it('case, whole word, regex, include and exclude narrow it', async () => {
      expect(files((await search({ q: 'Needle', case: '1' })).lines)).toEqual(['src/a.ts']);
      const word = (await search({ q: 'needle', word: '1', include: 'src/' })).lines;
      expect(files(word)).toEqual(['src/a.ts', 'src/b.js']);
      expect(word.find((l) => l.path === 'src/a.ts')?.matches?.map((m) => m.line)).toEqual([1, 2]); // not needle2 or needles
      const re = (await search({ q: 'needle\\d', regex: '1' })).lines;
      expect(files(re)).toEqual(['src/a.ts']);
      expect(files((await search({ q: 'needle', include: '*.md,*.js' })).lines)).toEqual(['docs/readme.md', 'src/b.js']);
      // JavaScript's regular expressions throughout: lookbehind, and matches that span lines.
      expect(files((await search({ q: '(?<=const )Needle', regex: '1', case: '1' })).lines)).toEqual(['src/a.ts']);
      const spanning = (await search({ q: 'needle;\\n// need', regex: '1' })).lines;
      expect(files(spanning)).toEqual(['src/a.ts']);
      expect(spanning[0]?.matches?.[0]).toMatchObject({ line: 2, column: 17 });
    });

    it('stops at the match limit and says so; a bad regex is a 400', async () => {
      const { lines } = await search({ q: 'needle', include: 'many.txt' });
      expect(lines.at(-1)).toMatchObject({ type: 'done', matches: 50, truncated: true });
      expect((await search({ q: '(', regex: '1' })).status).toBe(400);
    });

    it('a pathological regex runs out its time budget in its own thread while the server answers others', async () => {
      // Its own server with a short budget. (ripgrep's engine takes linear time: it answers at once that
      // nothing matches, so this is the built-in walk's case.)
      const strict = await startTestServer({ searchEngine: 'builtin', searchLimits: { concurrent: 2, timeoutMs: 1500, maxMatches: 50 } });
      fs.writeFileSync(path.join(strict.workspaces.rootOf('default'), 'slow.txt'), `${'a'.repeat(40)}!\n`);
      const search = async (params: Record<string, string>): Promise<{ lines: Line[] }> => {
        const res = await strict.api(`/api/workspaces/default/search?${new URLSearchParams(params)}`);
        return {
          lines: (await res.text())
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l) as Line),
        };
      };
      try {
        const started = Date.now();
        const slow = search({ q: '(a+)+$', regex: '1', include: 'slow.txt' });
        // Meanwhile the server is responsive.
        const health = await strict.api('/api/health');
        expect(health.status).toBe(200);
        expect(Date.now() - started).toBeLessThan(1000);
        const { lines } = await slow;
        expect(lines.at(-1)).toMatchObject({ type: 'done', timedOut: true });
        expect(Date.now() - started).toBeLessThan(5000);
      } finally {
        await strict.stop();
      }
    });
  });
});

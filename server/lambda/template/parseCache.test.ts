import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseTemplate } from './discover.js';
import { ParseCache } from './parseCache.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-parse-cache-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const A = 'Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.h, Runtime: nodejs20.x, Timeout: .inf }\n';
const B = 'Resources:\n  Fn: { Type: A }\n  Fn: { Type: B }\n'; // read leniently, with a warning
const BROKEN = 'Resources:\n  Fn: [\n';

/** A cache as a new template thread (after a restart) has it, counting what it had to parse. */
function restart(): { cache: ParseCache; read: (file: string, text: string) => ReturnType<typeof parseTemplate>; parsed: string[] } {
  const cache = new ParseCache();
  const parsed: string[] = [];
  const read = (file: string, text: string): ReturnType<typeof parseTemplate> =>
    cache.get('/ws', file, text, path.join(dir, 'cache.bin'), () => {
      parsed.push(file);
      return parseTemplate(file, text);
    });
  return { cache, read, parsed };
}

describe('parsed templates are kept across restarts', () => {
  it('parses after a restart only what changed, and answers exactly what parsing answers', () => {
    const first = restart();
    const results = { a: first.read('a/template.yaml', A), b: first.read('b/template.yaml', B), c: first.read('c/template.yaml', BROKEN) };
    first.cache.save('/ws', ['a/template.yaml', 'b/template.yaml', 'c/template.yaml'], path.join(dir, 'cache.bin'));
    expect(first.parsed).toHaveLength(3);

    const second = restart();
    expect(second.read('a/template.yaml', A)).toStrictEqual(results.a);
    expect(second.read('b/template.yaml', B)).toStrictEqual(results.b);
    expect(second.read('c/template.yaml', BROKEN)).toStrictEqual(results.c);
    expect(second.parsed).toEqual([]);
    // .inf survives the file (JSON would have made it null).
    expect(second.read('a/template.yaml', A)).toMatchObject({ template: { Resources: { Fn: { Properties: { Timeout: Infinity } } } } });

    // A changed template is parsed again; a template that is gone is dropped from the file.
    const changed = A.replace('a.h', 'b.h');
    expect(second.read('a/template.yaml', changed)).toMatchObject({ template: { Resources: { Fn: { Properties: { Handler: 'b.h' } } } } });
    second.read('b/template.yaml', B);
    second.cache.save('/ws', ['a/template.yaml', 'b/template.yaml'], path.join(dir, 'cache.bin'));
    expect(second.parsed).toEqual(['a/template.yaml']);
    const third = restart();
    third.read('a/template.yaml', changed);
    third.read('c/template.yaml', BROKEN);
    expect(third.parsed).toEqual(['c/template.yaml']);
  });

  it('a damaged file, or one written by another version of the reader, is a miss, never a wrong answer', () => {
    const file = path.join(dir, 'cache.bin');
    const first = restart();
    first.read('a/template.yaml', A);
    first.cache.save('/ws', ['a/template.yaml'], file);

    fs.writeFileSync(file, fs.readFileSync(file).subarray(0, 40));
    const damaged = restart();
    expect(damaged.read('a/template.yaml', A)).toMatchObject({ template: { Resources: { Fn: { Type: 'AWS::Serverless::Function' } } } });
    expect(damaged.parsed).toEqual(['a/template.yaml']);

    // Another reader's entry for the very same text (a made-up answer here) is not used.
    const hash = createHash('sha256').update(A).digest('base64url');
    const forged = new Map([
      ['a/template.yaml', { hash, parsed: { template: { Resources: {} }, positions: new Map(), paramLines: new Map(), warnings: [] } }],
    ]);
    fs.writeFileSync(file, v8.serialize({ fingerprint: 'an older reader', entries: forged }));
    const older = restart();
    older.read('a/template.yaml', A);
    expect(older.parsed).toEqual(['a/template.yaml']);
  });
});

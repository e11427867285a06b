import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Our styles live beside Monaco's and xterm's in one document. A bare class of ours (`.main`, `.tab`,
 * `.selected`) also matches their elements and breaks them (the suggest widget's labels were squeezed
 * to 17 px by `.main`), so every class our style sheets name carries our prefix, or is theirs.
 */
const THEIRS = /^(xterm|monaco|codicon|yRemoteSelection|mtk|suggest|quick-input)/;

function cssFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = path.join(dir, d.name);
    return d.isDirectory() ? cssFiles(p) : d.name.endsWith('.css') ? [p] : [];
  });
}

describe('client style sheets', () => {
  it('name only classes of ours with the nb- prefix, or Monaco and xterm classes they mean to style', () => {
    const offenders: string[] = [];
    for (const file of cssFiles(path.resolve('client/src'))) {
      // Selectors only: what precedes each declaration block (comments removed).
      const text = fs
        .readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\{[^{}]*\}/g, '{}');
      for (const m of text.matchAll(/\.(-?[a-zA-Z_][\w-]*)/g)) {
        const cls = m[1] as string;
        if (!cls.startsWith('nb-') && !cls.startsWith('nimbus-') && !THEIRS.test(cls))
          offenders.push(`${path.relative('.', file)}: .${cls}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

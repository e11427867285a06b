import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const agg = new Map();
const walk = (n, stack) => {
  const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`;
  const self = n.selfSize; if (self) agg.set(key, (agg.get(key) ?? 0) + self);
  for (const c of n.children) walk(c, stack);
};
walk(p.head, []);
// allocation sampling: samples have size; selfSize is total sampled bytes
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, t] of top) console.log((t / 1024).toFixed(0).padStart(8), 'KB', k);

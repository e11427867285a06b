import fs from 'node:fs';
const p = JSON.parse(fs.readFileSync(process.argv[2]));
const dt = new Map(); // node id -> self time
const byId = new Map(p.nodes.map(n => [n.id, n]));
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
const agg = new Map();
let total = 0;
for (const [id, t] of dt) { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || '(anon)'} ${cf.url.split('/').slice(-2).join('/')}:${cf.lineNumber}`; agg.set(key, (agg.get(key) ?? 0) + t); total += t; }
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 35);
console.log('total ms', (total/1000).toFixed(0));
for (const [k, t] of top) console.log((t / 1000).toFixed(1).padStart(8), k);

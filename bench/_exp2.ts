import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { spawn } from 'node-pty';
import { parseConfig } from '../server/config.js';
import { createLogger } from '../server/logger.js';
import { startNimbus } from '../server/main.js';
const TOKEN = 'bench-owner-token-0123456789';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-exp-'));
const config = parseConfig(['--port', '0', '--data-dir', dir, '--token', TOKEN], {}, process.cwd());
if (config === 'help') throw new Error();
const nimbus = await startNimbus(config, { log: createLogger({ level: 'silent' }) });
const url = new URL('./terminalsClient.ts', import.meta.url).href;
const client = new Worker(`import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`, { eval: true });
const cmd = process.argv[2] ?? 'head -c 100M /dev/zero';
const tick = 100; // USER_HZ
function threads(): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of fs.readdirSync('/proc/self/task')) {
    const stat = fs.readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    m.set(t, (Number(f[11]) + Number(f[12])) / tick);
  }
  return m;
}
function children(): number { const s = fs.readFileSync('/proc/self/stat', 'utf8').slice(0); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[13]) + Number(f[14])) / tick; }
function diff(a: Map<string, number>, b: Map<string, number>): string {
  const out: string[] = []; let total = 0;
  for (const [t, v] of b) { const d = v - (a.get(t) ?? 0); total += d; if (d > 0.05) out.push(`${t === String(process.pid) ? 'main' : t}:${d.toFixed(2)}`); }
  return `total ${total.toFixed(2)}s [${out.join(' ')}]`;
}
await fetch(`${nimbus.url}/api/workspaces/default/terminals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{}' });
await new Promise((r) => setTimeout(r, 500));
for (let i = 0; i < 2; i++) {
  let a = threads(); let c0 = children();
  const t0 = performance.now();
  const direct = await new Promise<number>((resolve) => { let n = 0; const p = spawn('/bin/bash', ['-c', cmd], { cols: 120, rows: 30, encoding: null, env: { PATH: process.env.PATH ?? '' } }); p.onData((d: string | Buffer) => { n += d.length; }); p.onExit(() => resolve(n)); });
  const dms = performance.now() - t0;
  console.log(`direct ${(direct / 1048576 / (dms / 1000)).toFixed(1)} MB/s cpu ${diff(a, threads())} children ${(children() - c0).toFixed(2)}`);
  const res = await fetch(`${nimbus.url}/api/workspaces/default/terminals`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: '{"cols":120,"rows":30}' });
  const info = (await res.json()) as { id: string };
  a = threads(); c0 = children();
  const r = await new Promise<{ bytes: number; ms: number }>((resolve) => {
    client.once('message', (m) => resolve(m.result));
    client.postMessage({ kind: 'throughput', url: `${nimbus.url.replace('http', 'ws')}/ws/workspaces/default/terminals/${info.id}?token=${TOKEN}`, command: cmd });
  });
  await new Promise((r) => setTimeout(r, 400));
  console.log(`ours   ${(r.bytes / 1048576 / (r.ms / 1000)).toFixed(1)} MB/s cpu ${diff(a, threads())} children ${(children() - c0).toFixed(2)}`);
}
await client.terminate();
await nimbus.close();
fs.rmSync(dir, { recursive: true, force: true });
process.exit(0);

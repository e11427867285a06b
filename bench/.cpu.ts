import fs from 'node:fs';
import { keystrokeLatency } from './collab/scenarios.js';
import { startNimbus, startReference, startHocuspocus, type BenchServer } from './collab/servers.js';
process.setMaxListeners(0);
const pidOf = (s: BenchServer): number => Number((s as unknown as { pid: number }).pid);
const cpu = (pid: number): number => { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' '); return (Number(f[11]) + Number(f[12])) * 10; };
const servers = process.env.ONLY === "ref" ? [await startReference()] : process.env.ONLY ? [await startNimbus()] : [await startNimbus(), await startReference(), await startHocuspocus()];
for (const s of servers) await keystrokeLatency(s, 'warm', [], 100);
for (const s of servers) {
  const pid = pidOf(s);
  const before = cpu(pid);
  const samples: number[] = [];
  await keystrokeLatency(s, 'cpu', samples, 1000);
  console.log(s.name.padEnd(18), 'server CPU µs per keystroke', ((cpu(pid) - before) * 1000 / 1050).toFixed(0));
}
for (const s of servers) await s.stop();
process.exit(0);

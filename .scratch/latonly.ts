import { keystrokeLatency, percentile } from '../bench/collab/scenarios.js';
import { startNimbus, startReference, startHocuspocus } from '../bench/collab/servers.js';
process.setMaxListeners(0);
const servers = [await startNimbus(), await startReference(), await startHocuspocus()];
const samples = servers.map(() => [] as number[]);
for (const s of servers) await keystrokeLatency(s, 'warm', [], 100);
for (let round = 0; round < Number(process.argv[2] ?? 4); round++) {
  for (let i = 0; i < servers.length; i++) {
    const k = (i + round) % servers.length;
    await keystrokeLatency(servers[k]!, `r${round}`, samples[k]!);
  }
}
servers.forEach((s, i) => console.log(s.name.padEnd(20), 'p50', percentile(samples[i]!, 50).toFixed(2), 'p90', percentile(samples[i]!, 90).toFixed(2), 'p99', percentile(samples[i]!, 99).toFixed(2), 'p99.9', percentile(samples[i]!, 99.9).toFixed(2)));
for (const s of servers) await s.stop();
process.exit(0);

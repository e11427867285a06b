import { keystrokeLatency, percentile } from './collab/scenarios.js';
import { startNimbus, startReference } from './collab/servers.js';
process.setMaxListeners(0);
const servers = [await startNimbus(), await startReference()];
const samples = servers.map(() => [] as number[]);
for (const s of servers) await keystrokeLatency(s, 'warm', [], 100);
for (let round = 0; round < 4; round++) for (let i = 0; i < 2; i++) { const k = (i + round) % 2; await keystrokeLatency(servers[k]!, `r${round}`, samples[k]!); }
servers.forEach((s, i) => console.log(process.env.LABEL, s.name.padEnd(18), 'p50', percentile(samples[i]!, 50).toFixed(2), 'p95', percentile(samples[i]!, 95).toFixed(2), 'p97', percentile(samples[i]!, 97).toFixed(2), 'p99', percentile(samples[i]!, 99).toFixed(2)));
for (const s of servers) await s.stop();
process.exit(0);

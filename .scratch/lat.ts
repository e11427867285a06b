import { keystrokeLatency, fanOut } from '../bench/collab/scenarios.js';
import { startNimbus, startReference, startHocuspocus } from '../bench/collab/servers.js';
process.setMaxListeners(0);
const which = process.argv[2] ?? 'nimbus';
const start = which === 'ref' ? startReference : which === 'hp' ? startHocuspocus : startNimbus;
const server = await start();
for (let i = 0; i < 3; i++) {
  const r = await keystrokeLatency(server);
  console.log(which, 'latency', r.p50.toFixed(2), r.p99.toFixed(2));
}
const f = await fanOut(server);
console.log(which, 'fanout', Math.round(f.perSecond));
await server.stop();
process.exit(0);

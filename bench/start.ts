/**
 * How soon `npm start` serves (npm run bench:start): from starting `npm start` to `/api/health` answering,
 * when the build is current (warm) and when a source changed since the last build (cold: tsc and Vite run).
 * Each run uses a fresh data dir and port 0. Prints a markdown table.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const RUNS = 3;

async function timeToHealth(): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-start-'));
  const started = performance.now();
  const child = spawn('npm', ['start', '--', '--port', '0', '--data-dir', dataDir, '--token', 'bench-token-0123456789abcdef'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    detached: true,
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /Nimbus is running: (http:\/\/[^/\s]+)/.exec(out);
        if (m) resolve(m[1] as string);
      });
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}: ${out}`)));
    });
    for (;;) {
      const ok = await fetch(`${url}/api/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    process.kill(-(child.pid as number), 'SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

// Warm: the build is current (built once first if it is not).
await timeToHealth();
const warm: number[] = [];
for (let i = 0; i < RUNS; i++) warm.push(await timeToHealth());
// Cold: a source changed, so the server and the client are built again.
const source = path.resolve('shared/paths.ts');
const text = fs.readFileSync(source, 'utf8');
let cold: number;
try {
  fs.writeFileSync(source, `${text}\n// changed for bench:start\n`);
  cold = await timeToHealth();
} finally {
  fs.writeFileSync(source, text);
}
await timeToHealth(); // leaves the build current again

console.log(`### npm start to /api/health (${os.cpus().length} cores, Node ${process.version})\n`);
console.log('| build | time |');
console.log('|---|---|');
console.log(`| current (median of ${RUNS}; target < 3 s) | ${s(median(warm))} (worst ${s(Math.max(...warm))}) |`);
console.log(`| a source changed: tsc and Vite run first | ${s(cold)} |`);

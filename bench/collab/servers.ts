/** The three document servers of bench/collab.ts, each in its own process, and clients for each. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HocuspocusProvider } from '@hocuspocus/provider';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';

export interface BenchClient {
  doc: Y.Doc;
  text: Y.Text;
  synced: Promise<void>;
  destroy(): void;
}

export interface BenchServer {
  name: string;
  /** What is on: persistence, auth. */
  notes: string;
  url: string;
  /** Nimbus: the default workspace's folder (the browser part writes its big file there). */
  workspaceRoot?: string;
  client(room: string): BenchClient;
  rssBytes(): number;
  /** CPU time (user + system) the server process has used so far, in ms. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const BENCH_TOKEN = 'bench-owner-token-0123456789';
// ws implements the WebSocket API the providers use; its types differ from the DOM's in details only.
const WS = WebSocket as unknown as typeof globalThis.WebSocket;

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) resolve(m);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

function rssOf(pid: number | undefined): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

function cpuOf(pid: number | undefined): number {
  const fields = (fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 per second on Linux)
  return ticks * 10;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

function yWebsocketClient(serverUrl: string, room: string, params: Record<string, string>): BenchClient {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(serverUrl, room, doc, { params, WebSocketPolyfill: WS, disableBc: true });
  const synced = new Promise<void>((resolve) => {
    const on = (s: boolean): void => {
      if (!s) return;
      provider.off('sync', on);
      resolve();
    };
    provider.on('sync', on);
  });
  return { doc, text: doc.getText('content'), synced, destroy: () => (provider.destroy(), doc.destroy()) };
}

/** NIMBUS_BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`) and NIMBUS_BENCH_STDOUT (a file) help profile it. */
export async function startNimbus(): Promise<BenchServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-bench-'));
  const env = { ...process.env, NIMBUS_TOKEN: BENCH_TOKEN, NIMBUS_LOG_LEVEL: 'warn', PORT: '', NIMBUS_DATA_DIR: '' };
  const child = spawn(
    process.execPath,
    [
      ...(process.env.NIMBUS_BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
      path.join(root, 'bin/nimbus.js'),
      '--port',
      '0',
      '--data-dir',
      dataDir,
    ],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  if (process.env.NIMBUS_BENCH_STDOUT) child.stdout?.pipe(fs.createWriteStream(process.env.NIMBUS_BENCH_STDOUT));
  const url = (await waitForLine(child, /(http:\/\/127\.0\.0\.1:\d+)\/\?token=/))[1] as string;
  const wsBase = `${url.replace('http', 'ws')}/yjs`;
  return {
    name: 'Nimbus',
    notes: 'SQLite persistence of every update in the same step as its broadcast, token auth, disk mirror',
    url,
    workspaceRoot: path.join(dataDir, 'workspaces', 'default'),
    client: (room) => yWebsocketClient(wsBase, `default/${encodeURIComponent(room)}.txt`, { token: BENCH_TOKEN }),
    rssBytes: () => rssOf(child.pid),
    cpuMs: () => cpuOf(child.pid),
    async stop() {
      await stopChild(child);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export async function startReference(): Promise<BenchServer> {
  const port = await freePort();
  // Any YPERSISTENCE value (even empty) would switch on its LevelDB persistence: leave it out.
  const { YPERSISTENCE: _persistence, ...env } = process.env;
  const child = spawn(process.execPath, [path.join(root, 'node_modules/y-websocket-ref/bin/server.js')], {
    env: { ...env, HOST: '127.0.0.1', PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, /running at/);
  const url = `ws://127.0.0.1:${port}`;
  return {
    name: 'y-websocket 1.5.4',
    notes: 'bin/server.js, in memory, no auth',
    url,
    client: (room) => yWebsocketClient(url, room, {}),
    rssBytes: () => rssOf(child.pid),
    cpuMs: () => cpuOf(child.pid),
    stop: () => stopChild(child),
  };
}

export async function startHocuspocus(): Promise<BenchServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/collab/hocuspocus-server.ts'), String(port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await waitForLine(child, /listening on/);
  const url = `ws://127.0.0.1:${port}`;
  return {
    name: 'Hocuspocus 4',
    notes: '@hocuspocus/server defaults (in memory, no auth extension)',
    url,
    client(room) {
      const doc = new Y.Doc();
      let resolveSynced: () => void = () => undefined;
      const synced = new Promise<void>((r) => (resolveSynced = r));
      // With `url`, the provider builds its own socket from this same configuration, polyfill included.
      const config = { url, name: room, document: doc, WebSocketPolyfill: WebSocket, onSynced: () => resolveSynced() };
      const provider = new HocuspocusProvider(config);
      return { doc, text: doc.getText('content'), synced, destroy: () => (provider.destroy(), doc.destroy()) };
    },
    rssBytes: () => rssOf(child.pid),
    cpuMs: () => cpuOf(child.pid),
    stop: () => stopChild(child),
  };
}

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig, type Config } from '../../server/config.js';
import { createLogger } from '../../server/logger.js';
import { startNimbus, type NimbusServer } from '../../server/main.js';

export const TEST_TOKEN = 'test-owner-token-0123456789';

export interface TestServer extends NimbusServer {
  dataDir: string;
  /** fetch against the server with the owner token (unless headers say otherwise). */
  api(pathname: string, init?: RequestInit & { token?: string | null }): Promise<Response>;
  wsUrl(pathname: string): string;
  stop(): Promise<void>;
}

/** Starts a real Nimbus on port 0 with a fresh temp data dir. */
export async function startTestServer(overrides: Partial<Config> = {}, argv: string[] = []): Promise<TestServer> {
  const dataDir = overrides.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-test-'));
  const parsed = parseConfig(['--port', '0', '--data-dir', dataDir, '--token', TEST_TOKEN, ...argv], {}, process.cwd());
  if (parsed === 'help') throw new Error('unexpected help');
  const config: Config = { ...parsed, ...overrides, dataDir };
  const server = await startNimbus(config, { log: createLogger({ level: process.env.NIMBUS_TEST_LOG ?? 'silent' }) });
  return {
    ...server,
    dataDir,
    api(pathname, init = {}) {
      const headers = new Headers(init.headers);
      const token = init.token === undefined ? TEST_TOKEN : init.token;
      if (token !== null && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      if (typeof init.body === 'string' && !headers.has('content-type')) headers.set('content-type', 'application/json');
      return fetch(server.url + pathname, { ...init, headers });
    },
    wsUrl: (pathname) => server.url.replace(/^http/, 'ws') + pathname,
    async stop() {
      await server.close();
      if (!overrides.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

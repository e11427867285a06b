import type { ChildProcess } from 'node:child_process';
import net from 'node:net';

/** A port nothing listens on now (for a proxy that needs its port in its configuration). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });

/**
 * Waits until Nimbus answers `/api/health` through a proxy just started (hooks cannot use expect.poll);
 * fails with `why()` (the proxy's log) if it exits or does not answer in time.
 */
export async function waitForProxy(url: string, proxy: ChildProcess, why: () => string, timeoutMs = 15_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; ;) {
    const status = (await fetch(`${url}/api/health`).catch(() => undefined))?.status;
    if (status === 200) return;
    if (Date.now() > deadline || proxy.exitCode !== null) throw new Error(`the proxy did not come up (${String(status)}):\n${why()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-tls-'));
const certPath = path.join(dir, 'tls/nimbus.pem');
const running: TestServer[] = [];
afterAll(async () => {
  for (const s of running) await s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A request that trusts only the given certificate (and checks the host name against it, as browsers do). */
function request(url: string, ca: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((resolve, reject) => {
    const req = https.request(url, { ca, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

async function start(argv: string[]): Promise<TestServer> {
  const server = await startTestServer({}, argv);
  running.push(server);
  return server;
}
async function stop(server: TestServer): Promise<void> {
  running.splice(running.indexOf(server), 1);
  await server.stop();
}

describe('HTTPS: --cert with a key, or alone for a self-signed certificate Nimbus keeps', () => {
  it('makes a certificate for the host names, serves HTTPS and WSS with it, and sets Secure cookies', async () => {
    const server = await start(['--cert', certPath]);
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const cert = fs.readFileSync(certPath, 'utf8');
    const x509 = new X509Certificate(cert);
    expect(x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(fs.statSync(path.join(dir, 'tls/nimbus.key')).mode & 0o777).toBe(0o600);
    // Trusting that certificate (and nothing else), the host name checks out.
    expect((await request(`${server.url}/api/health`, cert)).status).toBe(200);
    await expect(request(`${server.url}/api/health`, '')).rejects.toThrow(/self.signed|unable to verify/i);

    const login = await request(`${server.url}/api/login`, cert, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TEST_TOKEN }),
    });
    expect(login.status).toBe(200);
    expect(String(login.headers['set-cookie'])).toMatch(/^nimbus_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);

    const ws = new WebSocket(`${server.url.replace('https', 'wss')}/ws/workspaces/default/events?token=${TEST_TOKEN}`, { ca: cert });
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.close();
    await stop(server);
  });

  it('keeps the certificate across restarts, and makes a new one when a host name is added', async () => {
    const before = new X509Certificate(fs.readFileSync(certPath)).fingerprint256;
    const again = await start(['--cert', certPath]);
    expect(new X509Certificate(fs.readFileSync(certPath)).fingerprint256).toBe(before);
    await stop(again);
    const named = await start(['--cert', certPath, '--cert-host', 'ide.example.test', '--cert-host', '127.0.0.1']);
    const x509 = new X509Certificate(fs.readFileSync(certPath));
    expect(x509.fingerprint256).not.toBe(before);
    expect(x509.subjectAltName).toBe('DNS:ide.example.test, IP Address:127.0.0.1');
    expect((await request(`${named.url}/api/health`, fs.readFileSync(certPath, 'utf8'))).status).toBe(200);
    await stop(named);
  });

  it('serves the administrator’s certificate and key, and refuses a key that is not the certificate’s', async () => {
    const adminCert = path.join(dir, 'admin.crt');
    const adminKey = path.join(dir, 'admin.key');
    fs.copyFileSync(certPath, adminCert);
    fs.copyFileSync(path.join(dir, 'tls/nimbus.key'), adminKey);
    const server = await start(['--cert', adminCert, '--cert-key', adminKey, '--cert-host', 'unused.example']);
    expect((await request(`${server.url}/api/health`, fs.readFileSync(adminCert, 'utf8'))).status).toBe(200);
    // Given files are never replaced, whatever --cert-host says.
    expect(fs.readFileSync(adminCert, 'utf8')).toBe(fs.readFileSync(certPath, 'utf8'));
    await stop(server);

    const other = path.join(dir, 'other');
    await stop(await start(['--cert', path.join(other, 'c.pem')]));
    await expect(startTestServer({}, ['--cert', adminCert, '--cert-key', path.join(other, 'c.key')])).rejects.toThrow(
      /is not the key of --cert/,
    );
    await expect(startTestServer({}, ['--cert', adminCert, '--cert-key', path.join(dir, 'missing.key')])).rejects.toThrow(
      /--cert-key .*missing\.key cannot be read/,
    );
  });

  it('keeps plain HTTP cookies without Secure', async () => {
    const server = await start([]);
    const res = await fetch(`${server.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: TEST_TOKEN }),
    });
    expect(res.headers.get('set-cookie')).not.toMatch(/Secure/);
  });
});

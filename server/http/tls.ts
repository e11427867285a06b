import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { generate } from 'selfsigned';

export interface TlsFiles {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, to compare with what a browser shows. */
  fingerprint: string;
  /** Made by Nimbus (a self-signed certificate): browsers ask once before trusting it. */
  selfSigned: boolean;
  /** Where they are (the key beside the certificate when Nimbus made them). */
  certPath: string;
  keyPath: string;
}

export class TlsError extends Error {}

/** A made certificate is replaced this long before it expires, or when it lacks a host name asked for. */
const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const VALID_DAYS = 397; // what browsers accept for a leaf certificate

/** `cert.pem` → `cert.key`: where the key of a certificate Nimbus makes is kept. */
export const keyPathFor = (certPath: string): string =>
  path.join(path.dirname(certPath), `${path.basename(certPath, path.extname(certPath))}.key`);

/**
 * The certificate and key to serve HTTPS with. With a key path, both are the administrator's and must
 * exist. Without one, Nimbus keeps a self-signed certificate at `certPath` (its key beside it, 0600) for
 * the host names given: made on the first start, used again on the next ones, and made again when it is
 * about to expire or does not name every host asked for.
 */
export async function loadTls(certPath: string, keyPath: string | undefined, hosts: string[]): Promise<TlsFiles> {
  if (keyPath) {
    const read = (file: string, what: string): string => {
      try {
        return fs.readFileSync(file, 'utf8');
      } catch (err) {
        throw new TlsError(`${what} ${file} cannot be read: ${(err as Error).message}`);
      }
    };
    const cert = read(certPath, '--cert');
    const key = read(keyPath, '--cert-key');
    let x509: X509Certificate;
    try {
      x509 = new X509Certificate(cert);
    } catch (err) {
      throw new TlsError(`--cert ${certPath} is not a PEM certificate: ${(err as Error).message}`);
    }
    let privateKey;
    try {
      privateKey = createPrivateKey(key);
    } catch (err) {
      throw new TlsError(`--cert-key ${keyPath} is not a PEM private key: ${(err as Error).message}`);
    }
    if (!x509.checkPrivateKey(privateKey)) {
      throw new TlsError(`--cert-key ${keyPath} is not the key of --cert ${certPath}`);
    }
    return { cert, key, fingerprint: x509.fingerprint256, selfSigned: false, certPath, keyPath };
  }
  const ownKey = keyPathFor(certPath);
  const existing = reuse(certPath, ownKey, hosts);
  if (existing) return existing;
  const altNames = hosts.map((h) => (isIP(h) ? { type: 7 as const, ip: h } : { type: 2 as const, value: h }));
  const now = new Date();
  const made = await generate([{ name: 'commonName', value: hosts.find((h) => !isIP(h)) ?? hosts[0] ?? 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + VALID_DAYS * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  fs.mkdirSync(path.dirname(certPath), { recursive: true });
  fs.writeFileSync(ownKey, made.private, { mode: 0o600 });
  fs.chmodSync(ownKey, 0o600);
  fs.writeFileSync(certPath, made.cert);
  return {
    cert: made.cert,
    key: made.private,
    fingerprint: new X509Certificate(made.cert).fingerprint256,
    selfSigned: true,
    certPath,
    keyPath: ownKey,
  };
}

/** A certificate Nimbus made before, if it still serves: not expiring soon, and naming every host. */
function reuse(certPath: string, keyPath: string, hosts: string[]): TlsFiles | undefined {
  let cert: string;
  let key: string;
  try {
    cert = fs.readFileSync(certPath, 'utf8');
    key = fs.readFileSync(keyPath, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const x509 = new X509Certificate(cert);
    if (new Date(x509.validTo).getTime() - Date.now() < RENEW_BEFORE_MS) return undefined;
    const names = (x509.subjectAltName ?? '').split(/,\s*/).map((n) => n.replace(/^(DNS|IP Address):/, '').toLowerCase());
    if (!hosts.every((h) => names.includes(h.toLowerCase()))) return undefined;
    return { cert, key, fingerprint: x509.fingerprint256, selfSigned: true, certPath, keyPath };
  } catch {
    return undefined;
  }
}

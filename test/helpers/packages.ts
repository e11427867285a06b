import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

const PACKAGES = path.join(import.meta.dirname, '..', 'fixtures', 'packages');

export interface LocalPackages {
  /** An npm registry on loopback serving the packages of fixtures/packages/npm (for npm_config_registry). */
  registry: string;
  /** A page linking the wheels of fixtures/packages/python, on the same server (for PIP_FIND_LINKS). */
  wheels: string;
  /** Requests the registry answered (package names and tarballs). */
  requests: string[];
  close(): Promise<void>;
}

/**
 * Packages for builds without the network: the npm ones packed with `npm pack` and served by a minimal
 * registry (the packument and tarball routes npm uses), the Python one made into a wheel.
 */
export async function startLocalPackages(): Promise<LocalPackages> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-packages-'));
  const tarballs = new Map<string, { file: string; manifest: { name: string; version: string; dependencies?: Record<string, string> } }>();
  for (const name of fs.readdirSync(path.join(PACKAGES, 'npm'))) {
    const src = path.join(PACKAGES, 'npm', name);
    const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: src, encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1) as string;
    const manifest = JSON.parse(fs.readFileSync(path.join(src, 'package.json'), 'utf8')) as { name: string; version: string };
    tarballs.set(name, { file: path.join(dir, file), manifest });
  }
  const wheels = path.join(dir, 'wheels');
  fs.mkdirSync(wheels);
  buildWheel(path.join(PACKAGES, 'python'), wheels);
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const url = decodeURIComponent(req.url ?? '/');
    requests.push(url);
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    if (url === '/wheels/') {
      res.writeHead(200, { 'content-type': 'text/html' });
      return void res.end(
        fs
          .readdirSync(wheels)
          .map((w) => `<a href="${w}">${w}</a><br>`)
          .join('\n'),
      );
    }
    const wheel = /^\/wheels\/([^/]+\.whl)$/.exec(url);
    if (wheel && fs.existsSync(path.join(wheels, wheel[1] as string))) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void fs.createReadStream(path.join(wheels, wheel[1] as string)).pipe(res);
    }
    const tgz = /^\/-\/(.+\.tgz)$/.exec(url);
    if (tgz) {
      const file = path.join(dir, path.basename(tgz[1] as string));
      if (!fs.existsSync(file)) return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      return void fs.createReadStream(file).pipe(res);
    }
    const pkg = tarballs.get(url.slice(1));
    if (!pkg) return void res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    const bytes = fs.readFileSync(pkg.file);
    const { name, version } = pkg.manifest;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        name,
        'dist-tags': { latest: version },
        versions: {
          [version]: {
            ...pkg.manifest,
            dist: {
              tarball: `${base}/-/${path.basename(pkg.file)}`,
              shasum: createHash('sha1').update(bytes).digest('hex'),
              integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
            },
          },
        },
      }),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const registry = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    registry,
    wheels: `${registry}wheels/`,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A pure-Python wheel (py3-none-any) of the package folders beside a METADATA file, with its RECORD. */
function buildWheel(src: string, out: string): void {
  const script = `
import base64, hashlib, os, sys, zipfile
src, out = sys.argv[1], sys.argv[2]
meta = open(os.path.join(src, "METADATA")).read()
fields = dict(l.split(": ", 1) for l in meta.splitlines() if ": " in l)
name, version = fields["Name"].replace("-", "_"), fields["Version"]
info = "%s-%s.dist-info" % (name, version)
files = {}
for root, dirs, names in os.walk(src):
    for n in names:
        p = os.path.join(root, n)
        rel = os.path.relpath(p, src)
        if rel != "METADATA" and "__pycache__" not in rel:
            files[rel] = open(p, "rb").read()
files[info + "/METADATA"] = meta.encode()
files[info + "/WHEEL"] = b"Wheel-Version: 1.0\\nGenerator: nimbus-tests\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
record = ""
for rel, data in files.items():
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    record += "%s,sha256=%s,%d\\n" % (rel, digest, len(data))
record += info + "/RECORD,,\\n"
files[info + "/RECORD"] = record.encode()
with zipfile.ZipFile(os.path.join(out, "%s-%s-py3-none-any.whl" % (name, version)), "w") as z:
    for rel, data in files.items():
        z.writestr(rel, data)
`;
  execFileSync('python3', ['-c', script, src, out]);
}

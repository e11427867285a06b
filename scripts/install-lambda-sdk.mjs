#!/usr/bin/env node
// Installs what Lambda's managed runtimes ship to every function, for Nimbus's local runtimes
// (run by `npm install` as the project's postinstall step; safe to run again):
// - Node.js: the AWS SDK for JavaScript v3 packages listed in server/lambda/runtimes/nodejs-sdk
//   (from its lockfile), as Lambda's /var/runtime/node_modules;
// - Python: boto3 and its dependencies, linked into server/lambda/runtimes/python-sdk from the Python
//   that runs functions, or else from the machine's system packages (Debian's python3-boto3). Functions
//   run without the interpreter's site-packages (as on Lambda, where only boto3 comes with the runtime),
//   so they see boto3 and nothing else that happens to be installed.
// Neither is required: without them a function that imports the SDK fails as it would without it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const runtimes = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'server', 'lambda', 'runtimes');
const log = (message) => console.log(`[lambda sdk] ${message}`);

function installNodeSdk() {
  const dir = path.join(runtimes, 'nodejs-sdk');
  const lock = fs.readFileSync(path.join(dir, 'package-lock.json'), 'utf8');
  const stamp = path.join(dir, 'node_modules', '.nimbus-lock');
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === lock) return log('AWS SDK for JavaScript v3: up to date');
  log('installing the AWS SDK for JavaScript v3 for Node.js functions…');
  const npm = process.env.npm_execpath
    ? [process.execPath, [process.env.npm_execpath]]
    : [process.platform === 'win32' ? 'npm.cmd' : 'npm', []];
  execFileSync(npm[0], [...npm[1], 'ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir, stdio: 'inherit' });
  fs.writeFileSync(stamp, lock);
}

// Prints the top-level packages boto3 needs, with the folder they were found in.
const FIND_BOTO3 = `
import json, os, sys
own = True
try:
    import boto3
except ImportError:
    own = False
    for extra in sys.argv[1:]:
        if os.path.isdir(os.path.join(extra, "boto3")):
            sys.path.append(extra)
            break
    import boto3
boto3.client("s3", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
base = os.path.dirname(os.path.dirname(boto3.__file__))
tops = set()
for module in list(sys.modules.values()):
    f = getattr(module, "__file__", None) or ""
    if f.startswith(base + os.sep):
        tops.add(os.path.relpath(f, base).split(os.sep)[0])
print(json.dumps({"own": own, "base": base, "tops": sorted(tops)}))
`;

function linkBoto3() {
  const dir = path.join(runtimes, 'python-sdk');
  const python = process.env.NIMBUS_PYTHON ?? 'python3';
  let found;
  try {
    const out = execFileSync(python, ['-c', FIND_BOTO3, '/usr/lib/python3/dist-packages', '/usr/local/lib/python3/dist-packages'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    found = JSON.parse(out);
  } catch {
    fs.rmSync(dir, { recursive: true, force: true });
    return log(`boto3: not found for ${python}; Python functions that import it will fail (Debian: apt install python3-boto3)`);
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  // setuptools' import hook comes from a .pth file of site-packages, which functions do not read.
  found.tops = found.tops.filter((top) => top !== '_distutils_hack');
  for (const top of found.tops) fs.symlinkSync(path.join(found.base, top), path.join(dir, top));
  log(`boto3: linked from ${found.base} (${found.tops.join(', ')})`);
}

installNodeSdk();
linkBoto3();

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsCredentials } from '../credentials.js';
import type { Interpreter } from './interpreters.js';
import type { FunctionSpec } from '../types.js';
import { isExecutable } from '../../files/index.js';

export interface LaunchPlan {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Host paths outside the workspace that the process reads: the runtime clients, the interpreter. */
  readOnly: string[];
}

/** The runtime clients are plain .mjs/.py files kept next to the sources (tsc does not copy them to dist/). */
function runtimeFile(name: string): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, '..', 'runtimes', name),
    path.join(here, '..', '..', '..', '..', 'server', 'lambda', 'runtimes', name),
  ];
  const found = candidates.find((c) => fs.existsSync(c));
  if (!found) throw new Error(`Lambda runtime client ${name} not found (looked in ${candidates.join(', ')})`);
  return found;
}

export const NODE_RUNTIME = runtimeFile('node-runtime.mjs');
export const PYTHON_RUNTIME = runtimeFile('python-runtime.py');
const RUNTIMES_DIR = path.dirname(NODE_RUNTIME);
/** The custom-resource helpers Lambda adds to inline code: `cfn-response` (Node.js) and `cfnresponse` (Python). */
export const CFN_RESPONSE_NODE = path.join(RUNTIMES_DIR, 'cfn-response', 'index.js');
export const CFN_RESPONSE_PYTHON = path.join(RUNTIMES_DIR, 'cfnresponse.py');
/** The SDKs Lambda's runtimes ship (installed by scripts/install-lambda-sdk.mjs): where /var/runtime would have them. */
const NODE_SDK = path.join(RUNTIMES_DIR, 'nodejs-sdk', 'node_modules');
const PYTHON_SDK = path.join(RUNTIMES_DIR, 'python-sdk');

export class InitFailure extends Error {
  constructor(
    readonly errorType: string,
    message: string,
  ) {
    super(message);
  }
}

export interface EnvironmentIdentity {
  region: string;
  runtimeApi: string;
  logStreamName: string;
  tmpDir: string;
  credentials?: AwsCredentials;
  /** The node or python serving the function's runtime (see interpreters.ts). */
  interpreter?: Interpreter;
  /** Packages its build installed: node_modules folders, and folders for Python's path. */
  nodePaths?: string[];
  pythonPaths?: string[];
  /** Variables set for this run (the run view's overrides, `sam local invoke --env-vars`): over the template's. */
  environment?: Record<string, string>;
}

/** Command, arguments and the exact environment variables Lambda gives a function of this runtime. */
export async function launchPlan(spec: FunctionSpec, id: EnvironmentIdentity): Promise<LaunchPlan> {
  const layerDirs = spec.layers.map((l) => l.dir);
  const env: Record<string, string> = {
    ...spec.environment,
    ...id.environment,
    PATH: [...layerDirs.map((d) => path.join(d, 'bin')), path.dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    TMPDIR: id.tmpDir,
    AWS_REGION: id.region,
    AWS_DEFAULT_REGION: id.region,
    AWS_LAMBDA_FUNCTION_NAME: spec.name,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${spec.name}`,
    AWS_LAMBDA_LOG_STREAM_NAME: id.logStreamName,
    AWS_LAMBDA_RUNTIME_API: id.runtimeApi,
    LAMBDA_TASK_ROOT: spec.codeDir,
    // No instance metadata service here: without it the SDKs' credential chains end at once
    // instead of waiting for 169.254.169.254 (functions get credentials only when given some).
    AWS_EC2_METADATA_DISABLED: 'true',
    LAMBDA_RUNTIME_DIR: path.dirname(NODE_RUNTIME),
    _HANDLER: spec.handler,
  };
  // As a role's credentials reach a function on Lambda: environment variables.
  if (id.credentials) {
    env.AWS_ACCESS_KEY_ID = id.credentials.accessKeyId;
    env.AWS_SECRET_ACCESS_KEY = id.credentials.secretAccessKey;
    if (id.credentials.sessionToken) env.AWS_SESSION_TOKEN = id.credentials.sessionToken;
  }
  if (layerDirs.length > 0) env.LD_LIBRARY_PATH = layerDirs.map((d) => path.join(d, 'lib')).join(':');
  if (spec.runtime.startsWith('nodejs')) {
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${spec.runtime}`;
    const major = spec.runtime.match(/\d+/)?.[0] ?? '';
    // Lambda's order: the layers, the runtime's own modules (the AWS SDK), the function's folder.
    env.NODE_PATH = [
      ...layerDirs.flatMap((d) => [path.join(d, 'nodejs', `node${major}`, 'node_modules'), path.join(d, 'nodejs', 'node_modules')]),
      ...(id.nodePaths ?? []),
      NODE_SDK,
      spec.codeDir,
    ].join(':');
    // Like Lambda's own bootstrap: V8's heap is sized from the configured memory.
    const heapMb = Math.floor((spec.memorySize * 9) / 10);
    const node = id.interpreter ?? { executable: process.execPath, readOnly: [] };
    return {
      command: node.executable,
      args: [`--max-old-space-size=${heapMb}`, NODE_RUNTIME],
      env,
      readOnly: [RUNTIMES_DIR, ...node.readOnly],
    };
  }
  if (spec.runtime.startsWith('python')) {
    env.AWS_EXECUTION_ENV = `AWS_Lambda_${spec.runtime}`;
    const version = spec.runtime.replace('python', '');
    // Lambda's sys.path: the function's folder (the runtime client puts it first), the layers, then the
    // runtime's own packages (boto3). -S leaves out the host interpreter's site-packages, which Lambda has not.
    env.PYTHONPATH = [
      ...(id.pythonPaths ?? []),
      ...layerDirs.flatMap((d) => [path.join(d, 'python', 'lib', `python${version}`, 'site-packages'), path.join(d, 'python')]),
      PYTHON_SDK,
    ].join(':');
    const python = id.interpreter ?? { executable: 'python3', readOnly: [] };
    return { command: python.executable, args: ['-S', PYTHON_RUNTIME], env, readOnly: [RUNTIMES_DIR, ...python.readOnly] };
  }
  // provided*: the function brings its own runtime client as `bootstrap` (in the code, or in a layer: /opt).
  const candidates = [path.join(spec.codeDir, 'bootstrap'), ...layerDirs.map((d) => path.join(d, 'bootstrap'))];
  const bootstrap = candidates.find(isExecutable);
  if (!bootstrap) {
    const present = candidates.find((c) => fs.existsSync(c));
    throw new InitFailure(
      'Runtime.InvalidEntrypoint',
      present
        ? `Couldn't run bootstrap ${present}: it is not executable (chmod +x)`
        : `Couldn't find valid bootstrap(s): [${candidates.join(' ')}]`,
    );
  }
  return { command: bootstrap, args: [], env, readOnly: [] };
}

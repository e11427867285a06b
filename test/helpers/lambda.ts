import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InvokeCommand, LambdaClient, type InvocationType } from '@aws-sdk/client-lambda';
import type { TestServer } from './server.js';
import { TEST_TOKEN } from './server.js';

// The SDK warns on Node 20 about its releases of 2027; the noise would bury test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/**
 * Gives the server (it runs in the test's process) an AWS configuration of its own: a credentials file (and
 * a config file) in a temporary folder, named by AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE.
 * `restore()` takes them away again.
 */
export function useServerAwsConfig(credentials: string, config = ''): { restore(): void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-aws-'));
  fs.writeFileSync(path.join(dir, 'credentials'), credentials);
  fs.writeFileSync(path.join(dir, 'config'), config);
  process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(dir, 'credentials');
  process.env.AWS_CONFIG_FILE = path.join(dir, 'config');
  return {
    restore() {
      delete process.env.AWS_SHARED_CREDENTIALS_FILE;
      delete process.env.AWS_CONFIG_FILE;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Writes files (creating folders) under a workspace root; `#!` scripts are made executable. */
export function writeFiles(root: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text, { mode: text.startsWith('#!') ? 0o755 : 0o644 });
  }
}

/** The unmodified AWS SDK client pointed at a workspace's Lambda API. No retries: tests see every answer. */
export function lambdaClient(
  server: TestServer,
  options: { workspace?: string; secret?: string; accessKeyId?: string } = {},
): LambdaClient {
  const workspace = options.workspace ?? 'default';
  return new LambdaClient({
    endpoint: `${server.url}/lambda/${workspace}`,
    region: 'us-east-1',
    credentials: { accessKeyId: options.accessKeyId ?? workspace, secretAccessKey: options.secret ?? TEST_TOKEN },
    maxAttempts: 1,
  });
}

export interface InvokeResult {
  status: number | undefined;
  body: unknown;
  text: string;
  functionError: string | undefined;
  log: string;
  executedVersion: string | undefined;
}

export async function invoke(
  client: LambdaClient,
  name: string,
  event: unknown = {},
  type: InvocationType = 'RequestResponse',
): Promise<InvokeResult> {
  const r = await client.send(
    new InvokeCommand({
      FunctionName: name,
      Payload: Buffer.from(JSON.stringify(event)),
      LogType: type === 'RequestResponse' ? 'Tail' : 'None',
      InvocationType: type,
    }),
  );
  const text = r.Payload ? Buffer.from(r.Payload).toString('utf8') : '';
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  return {
    status: r.StatusCode,
    body,
    text,
    functionError: r.FunctionError,
    log: r.LogResult ? Buffer.from(r.LogResult, 'base64').toString('utf8') : '',
    executedVersion: r.ExecutedVersion,
  };
}

/** Debian's AWS CLI v2 (not a pyenv shim), unmodified, isolated from any local AWS configuration. */
export const AWS_CLI = '/usr/bin/aws';

export function awsCli(
  server: TestServer,
  args: string[],
  options: { workspace?: string; secret?: string; cwd?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const workspace = options.workspace ?? 'default';
  const env = {
    PATH: '/usr/bin:/bin',
    HOME: options.cwd ?? '/tmp',
    AWS_ACCESS_KEY_ID: workspace,
    AWS_SECRET_ACCESS_KEY: options.secret ?? TEST_TOKEN,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_MAX_ATTEMPTS: '1',
  };
  return new Promise((resolve) => {
    execFile(
      AWS_CLI,
      [...args, '--endpoint-url', `${server.url}/lambda/${workspace}`, '--output', 'json'],
      { env, cwd: options.cwd, timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * What a handler returns to name its execution environment. Its `process.pid` would not do: inside
 * the sandbox's PID namespace every runtime is PID 2 or so.
 */
export const ENV_ID = 'process.env.AWS_LAMBDA_LOG_STREAM_NAME';

/**
 * Whether a process is alive (signal 0 probes without touching it); given an environment's log
 * stream name (`ENV_ID`), whether any process of that environment is.
 */
export function alive(pidOrEnv: number | string): boolean {
  if (typeof pidOrEnv === 'string') return environmentPids(pidOrEnv).length > 0;
  try {
    process.kill(pidOrEnv, 0);
    return true;
  } catch {
    return false;
  }
}

/** Host pids of the live processes of one execution environment (they all carry its log stream name). */
export function environmentPids(logStreamName: string): number[] {
  const needle = Buffer.from(`AWS_LAMBDA_LOG_STREAM_NAME=${logStreamName}\0`);
  const pids: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.startsWith('Z')) continue;
      if (fs.readFileSync(`/proc/${name}/environ`).includes(needle)) pids.push(Number(name));
    } catch {
      // gone while we looked
    }
  }
  return pids;
}

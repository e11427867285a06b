import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetFunctionCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
  ListFunctionsCommand,
  type FunctionConfiguration,
} from '@aws-sdk/client-lambda';
import { stringify } from 'yaml';
import type { LambdaImportProgress, LambdaRemoteFunction, LambdaRemotePage, LambdaRemoteTarget } from '../../../shared/lambda.js';
import type { ServerCredentials } from '../credentials.js';
import { ArchiveError, UNZIPPED_LIMIT_BYTES, unzip } from './unzip.js';

/** What went wrong talking to the remote account, or with what it sent; `status` is the HTTP answer to give. */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status = 502,
  ) {
    super(message);
  }
}

export interface ImportLimits {
  /** Bytes the downloaded archive may have (default 250 MB) and that it may unpack to (Lambda's 250 MB). */
  downloadBytes?: number;
  unzippedBytes?: number;
  /** How long the download may take (default 5 minutes). */
  downloadMs?: number;
}

/** A function fetched from the remote account, unpacked in a staging folder, with what its resource needs. */
export interface FetchedFunction {
  configuration: FunctionConfiguration;
  reservedConcurrency?: number;
  /** The unpacked code (the caller moves it into the workspace, or removes it). */
  staging: string;
}

const PAGE = 50;

/**
 * The Remote section's side of the server: ListFunctions and GetFunction against AWS or any
 * Lambda-compatible endpoint, signed with a profile of the server's AWS configuration (the secrets stay
 * here), and the download and unpacking of a function's code. Nothing is ever changed in the remote account.
 */
export class RemoteFunctions {
  constructor(
    private readonly credentials: ServerCredentials,
    private readonly limits: ImportLimits = {},
  ) {}

  private client(target: LambdaRemoteTarget): LambdaClient {
    return new LambdaClient({
      region: target.region,
      ...(target.endpoint ? { endpoint: target.endpoint } : {}),
      credentials: () => this.credentials.get(target.profile),
      maxAttempts: 2,
      requestHandler: { connectionTimeout: 5_000, requestTimeout: 30_000 },
    });
  }

  /** One page of ListFunctions (50 functions; the marker comes from the previous page). */
  async list(target: LambdaRemoteTarget, marker?: string): Promise<LambdaRemotePage> {
    const client = this.client(target);
    try {
      const out = await client.send(new ListFunctionsCommand({ MaxItems: PAGE, ...(marker ? { Marker: marker } : {}) }));
      const functions: LambdaRemoteFunction[] = (out.Functions ?? [])
        .filter((f): f is FunctionConfiguration & { FunctionName: string } => typeof f.FunctionName === 'string')
        .map((f) => ({
          name: f.FunctionName,
          packageType: f.PackageType === 'Image' ? 'Image' : 'Zip',
          ...(f.Runtime ? { runtime: f.Runtime } : {}),
          ...(f.MemorySize !== undefined ? { memorySize: f.MemorySize } : {}),
          ...(f.LastModified ? { lastModified: f.LastModified } : {}),
          ...(f.Description ? { description: f.Description } : {}),
        }));
      return { functions, ...(out.NextMarker ? { nextMarker: out.NextMarker } : {}) };
    } catch (err) {
      throw remoteError(err, target);
    } finally {
      client.destroy();
    }
  }

  /**
   * GetFunction, its reserved concurrency, then its code: downloaded from `Code.Location` into `scratch`
   * (bounded in size and time) and unpacked into a new folder there, refusing archives that would escape
   * it or unpack past the limit.
   */
  async fetch(
    target: LambdaRemoteTarget,
    name: string,
    scratch: string,
    progress: (p: LambdaImportProgress) => void,
  ): Promise<FetchedFunction> {
    const client = this.client(target);
    let configuration: FunctionConfiguration;
    let location: string;
    let reservedConcurrency: number | undefined;
    try {
      const out = await client.send(new GetFunctionCommand({ FunctionName: name }));
      if (!out.Configuration) throw new RemoteError(`GetFunction of ${name} answered without a configuration`, 'bad_response');
      configuration = out.Configuration;
      if (configuration.PackageType === 'Image' || out.Code?.ImageUri) {
        throw new RemoteError(`${name} is a container image function: only .zip functions can be imported`, 'image_function', 409);
      }
      if (!out.Code?.Location) throw new RemoteError(`GetFunction of ${name} answered without a code location`, 'bad_response');
      location = out.Code.Location;
      reservedConcurrency = out.Concurrency?.ReservedConcurrentExecutions;
      try {
        const c = await client.send(new GetFunctionConcurrencyCommand({ FunctionName: name }));
        reservedConcurrency = c.ReservedConcurrentExecutions;
      } catch {
        // Not allowed to ask (or not supported by the endpoint): GetFunction's own answer stands.
      }
    } catch (err) {
      throw remoteError(err, target);
    } finally {
      client.destroy();
    }
    await fs.promises.mkdir(scratch, { recursive: true });
    const id = randomBytes(6).toString('hex');
    const zipFile = path.join(scratch, `import-${id}.zip`);
    const staging = path.join(scratch, `import-${id}`);
    try {
      await this.download(location, zipFile, progress);
      await fs.promises.mkdir(staging);
      let last = 0;
      await unzip(zipFile, staging, { maxBytes: this.limits.unzippedBytes ?? UNZIPPED_LIMIT_BYTES }, (p) => {
        const now = Date.now();
        if (now - last < 100 && p.entries < p.totalEntries) return;
        last = now;
        progress({ stage: 'unzip', ...p });
      });
    } catch (err) {
      await fs.promises.rm(staging, { recursive: true, force: true });
      if (err instanceof ArchiveError) throw new RemoteError(`${name}: ${err.message}; nothing was imported`, err.code, 422);
      throw err;
    } finally {
      await fs.promises.rm(zipFile, { force: true });
    }
    return { configuration, staging, ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}) };
  }

  private async download(location: string, file: string, progress: (p: LambdaImportProgress) => void): Promise<void> {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw new RemoteError('the code location is not a URL', 'bad_response');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new RemoteError('the code location is not an http(s) URL', 'bad_response');
    const max = this.limits.downloadBytes ?? UNZIPPED_LIMIT_BYTES;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(this.limits.downloadMs ?? 5 * 60_000), redirect: 'follow' });
    } catch (err) {
      throw new RemoteError(`the code could not be downloaded: ${(err as Error).message}`, 'download_failed');
    }
    if (!res.ok || !res.body) throw new RemoteError(`the code could not be downloaded: HTTP ${res.status}`, 'download_failed');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > max) {
      await res.body.cancel();
      throw new RemoteError(
        `the code archive is ${Math.round(declared / 1048576)} MB, more than ${Math.round(max / 1048576)} MB`,
        'too_large',
        422,
      );
    }
    let bytes = 0;
    let last = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > max) return done(new RemoteError(`the code archive is larger than ${Math.round(max / 1048576)} MB`, 'too_large', 422));
        const now = Date.now();
        if (now - last >= 100) {
          last = now;
          progress({ stage: 'download', bytes, ...(declared >= 0 ? { total: declared } : {}) });
        }
        done(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), count, fs.createWriteStream(file));
    } catch (err) {
      if (err instanceof RemoteError) throw err;
      throw new RemoteError(`the code could not be downloaded: ${(err as Error).message}`, 'download_failed');
    }
    progress({ stage: 'download', bytes, ...(declared >= 0 ? { total: declared } : {}) });
  }
}

/** An SDK failure said plainly: which call, what AWS (or the endpoint) answered, never a secret. */
function remoteError(err: unknown, target: LambdaRemoteTarget): Error {
  if (err instanceof RemoteError) return err;
  const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const where = target.endpoint ?? `AWS Lambda in ${target.region}`;
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.name ?? '')) {
    return new RemoteError(
      `the credentials of profile ${target.profile} could not be loaded: ${e.message ?? ''}`,
      'credentials_unavailable',
      400,
    );
  }
  if (e.name === 'ResourceNotFoundException') return new RemoteError(`${where}: ${e.message ?? 'not found'}`, 'not_found', 404);
  const status = e.$metadata?.httpStatusCode;
  return new RemoteError(
    `${where} answered ${e.name ?? 'an error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? ''}`.trim(),
    e.name === 'AccessDeniedException' || e.name === 'UnrecognizedClientException' || e.name === 'InvalidSignatureException'
      ? 'access_denied'
      : 'remote_failed',
  );
}

/** A logical ID from a function name (`my-func_v2` → `MyFuncV2`). */
export function logicalIdOf(name: string): string {
  const id = name
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]?.toUpperCase() + p.slice(1))
    .join('');
  return /^[A-Za-z]/.test(id) ? id.slice(0, 255) : `Fn${id}`.slice(0, 255);
}

/**
 * The `AWS::Serverless::Function` of an imported function (its body, indented for addResource): what
 * Lambda runs it with, and where it came from in `Metadata`.
 */
export function importedResource(f: FetchedFunction, functionName: string, codeUri: string, importedAt = new Date()): string {
  const c = f.configuration;
  const properties: Record<string, unknown> = {
    FunctionName: functionName,
    CodeUri: codeUri,
    ...(c.Handler ? { Handler: c.Handler } : {}),
    ...(c.Runtime ? { Runtime: c.Runtime } : {}),
    ...(c.Architectures?.length ? { Architectures: c.Architectures } : {}),
    ...(c.Description ? { Description: c.Description } : {}),
    ...(c.MemorySize !== undefined ? { MemorySize: c.MemorySize } : {}),
    ...(c.Timeout !== undefined ? { Timeout: c.Timeout } : {}),
    ...(c.Environment?.Variables && Object.keys(c.Environment.Variables).length
      ? { Environment: { Variables: c.Environment.Variables } }
      : {}),
    ...(c.EphemeralStorage?.Size !== undefined && c.EphemeralStorage.Size !== 512
      ? { EphemeralStorage: { Size: c.EphemeralStorage.Size } }
      : {}),
    ...(c.Layers?.length ? { Layers: c.Layers.map((l) => l.Arn).filter(Boolean) } : {}),
    ...(f.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: f.reservedConcurrency } : {}),
  };
  const body = {
    Type: 'AWS::Serverless::Function',
    Metadata: {
      ...(c.FunctionArn ? { SourceArn: c.FunctionArn } : {}),
      ...(c.CodeSha256 ? { CodeSha256: c.CodeSha256 } : {}),
      ImportedAt: importedAt.toISOString(),
    },
    Properties: properties,
  };
  // Strings quoted: a value such as `yes` or `0755` stays the string Lambda had (YAML 1.1 readers would not keep it).
  return stringify(body, { lineWidth: 0, indent: 2, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' })
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => `    ${l}`)
    .join('\n');
}

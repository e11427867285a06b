import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { RawHandler } from '../../http/index.js';
import { z } from 'zod';
import { ReservationError } from '../concurrency.js';
import { zipOfCode } from '../code.js';
import { LambdaError, invalidParameter, notFound } from '../errors.js';
import type { LambdaFeature } from '../LambdaFeature.js';
import { logTail } from '../logs.js';
import type { FunctionEntry, InvokeOptions, WorkspaceLambda } from '../WorkspaceLambda.js';
import { EventStreamWriter } from './eventStream.js';
import { accountSettings, functionConfiguration } from './shapes.js';
import { UnauthenticatedBodies, type BodyLimits } from './UnauthenticatedBodies.js';
import { parseAuthorization, requestDate, verifySignature } from './sigv4.js';

/** Lambda's payload limits: 6 MB for a synchronous invoke, 1 MB for an asynchronous one. */
export const SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const ASYNC_PAYLOAD_BYTES = 1024 * 1024;
const OTHER_BODY_BYTES = 64 * 1024;
const PAGE_MAX = 50;

type Op =
  | 'Invoke'
  | 'InvokeWithResponseStream'
  | 'ListVersionsByFunction'
  | 'ListAliases'
  | 'ListEventSourceMappings'
  | 'ListTags'
  | 'GetPolicy'
  | 'ListFunctions'
  | 'GetFunction'
  | 'GetFunctionConfiguration'
  | 'PutFunctionConcurrency'
  | 'GetFunctionConcurrency'
  | 'DeleteFunctionConcurrency'
  | 'GetAccountSettings';

const ROUTES: [string, RegExp, Op][] = [
  ['POST', /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, 'Invoke'],
  ['POST', /^\/2021-11-15\/functions\/([^/]+)\/response-streaming-invocations\/?$/, 'InvokeWithResponseStream'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/versions\/?$/, 'ListVersionsByFunction'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/aliases\/?$/, 'ListAliases'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/policy\/?$/, 'GetPolicy'],
  ['GET', /^\/2015-03-31\/event-source-mappings\/?$/, 'ListEventSourceMappings'],
  ['GET', /^\/2017-03-31\/tags\/([^/]+)\/?$/, 'ListTags'],
  ['GET', /^\/2015-03-31\/functions\/?$/, 'ListFunctions'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, 'GetFunctionConfiguration'],
  ['GET', /^\/2015-03-31\/functions\/([^/]+)\/?$/, 'GetFunction'],
  ['PUT', /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, 'PutFunctionConcurrency'],
  ['DELETE', /^\/2017-10-31\/functions\/([^/]+)\/concurrency\/?$/, 'DeleteFunctionConcurrency'],
  ['GET', /^\/2019-09-30\/functions\/([^/]+)\/concurrency\/?$/, 'GetFunctionConcurrency'],
  ['GET', /^\/2016-08-19\/account-settings\/?$/, 'GetAccountSettings'],
];

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw invalidParameter('malformed percent-encoding in the path');
  }
}

function send(res: ServerResponse, status: number, headers: Record<string, string | number>, body?: Buffer | string): void {
  const data = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { ...headers, 'Content-Length': data?.length ?? 0 });
  res.end(data);
}

const sendJson = (res: ServerResponse, status: number, requestId: string, value: unknown): void =>
  send(res, status, { 'Content-Type': 'application/json', 'x-amzn-RequestId': requestId }, JSON.stringify(value));

/** `name`, `name:qualifier`, `123456789012:function:name` or a full ARN; only `$LATEST` exists locally. */
function resolveFunction(svc: WorkspaceLambda, raw: string, qualifierParam: string | null): FunctionEntry {
  let name = raw;
  let qualifier: string | undefined;
  const arn = /^(?:arn:aws[a-z-]*:lambda:([a-z0-9-]+):)?(\d{12}):function:([^:]+)(?::([^:]+))?$/.exec(raw);
  if (arn) {
    if ((arn[1] !== undefined && arn[1] !== svc.region) || arn[2] !== svc.accountId) throw notFound(raw);
    name = arn[3] as string;
    qualifier = arn[4];
  } else if (raw.includes(':')) {
    [name, qualifier] = raw.split(':', 2) as [string, string];
  }
  if (qualifierParam !== null) {
    if (qualifier !== undefined && qualifier !== qualifierParam)
      throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
    qualifier = qualifierParam;
  }
  const entry = svc.get(name);
  if (!entry || (qualifier !== undefined && qualifier !== '$LATEST'))
    throw notFound(`${svc.functionArn(name)}${qualifier ? `:${qualifier}` : ''}`);
  return entry;
}

/**
 * The AWS Lambda-compatible API of each workspace (`/lambda/<workspaceId>/2015-03-31/functions…`): a public
 * router with its own authentication, SigV4 with the workspace id as access key id and the owner token or
 * a write share's token as secret key. Answers in AWS's shapes, so the AWS CLI and SDKs work unmodified.
 */
export function awsLambdaHandler(feature: LambdaFeature, bodyLimits?: BodyLimits): RawHandler {
  const log = feature.deps.log;
  const bodies = new UnauthenticatedBodies(bodyLimits);
  return (req, res) => {
    const requestId = randomUUID();
    handle(req, res, requestId).catch((err: unknown) => {
      let e: LambdaError;
      if (err instanceof LambdaError) e = err;
      else {
        log.error({ err, path: url(req).split('?')[0] }, 'Lambda API request failed');
        e = new LambdaError('ServiceException', 500, 'internal error');
      }
      if (res.headersSent) return void res.destroy();
      // Refused before its body was read: close rather than read on what a stranger may trickle.
      if (!req.complete) res.setHeader('Connection', 'close');
      send(
        res,
        e.status,
        { 'Content-Type': 'application/json', 'x-amzn-ErrorType': e.code, 'x-amzn-RequestId': requestId, ...e.headers },
        JSON.stringify(e.body()),
      );
    });
  };

  async function handle(req: IncomingMessage, res: ServerResponse, requestId: string): Promise<void> {
    const rawUrl = url(req);
    const m = /^\/lambda\/([^/?]+)([^?]*)/.exec(rawUrl);
    if (!m) throw new LambdaError('UnknownOperationException', 404, 'no workspace in the path: use /lambda/<workspaceId>/2015-03-31/...');
    const workspaceId = decode(m[1] as string);
    const rest = m[2] as string;
    const query = new URLSearchParams(rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : '');

    const code = /^\/code\/([^/]+)\.zip$/.exec(rest);
    const method = req.method ?? '';
    if (method === 'GET' && code) return serveCode(res, workspaceId, decode(code[1] as string), query);

    const auth = parseAuthorization(req.headers.authorization);
    if (auth.service !== 'lambda')
      throw new LambdaError('InvalidSignatureException', 403, "Credential should be scoped to correct service: 'lambda'.");
    // A running service means the workspace exists: no database read on the hot path.
    if (auth.accessKeyId !== workspaceId || !(feature.peek(workspaceId) || feature.deps.workspaces.exists(workspaceId))) {
      throw new LambdaError('UnrecognizedClientException', 403, 'The security token included in the request is invalid.');
    }
    const date = requestDate(req.headers, auth);
    const route = ROUTES.find(([m, re]) => m === method && re.test(rest));
    const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const invokes = route?.[2] === 'Invoke' || route?.[2] === 'InvokeWithResponseStream';
    const limit = !invokes ? OTHER_BODY_BYTES : invocationType === 'Event' ? ASYNC_PAYLOAD_BYTES : SYNC_PAYLOAD_BYTES;
    const body = await bodies.read(req, limit);
    const signer = await verifySignature(
      { method, rawUrl: feature.originalUrl(req), headers: req.headers, body },
      auth,
      date,
      feature.deps.signingSecrets(workspaceId),
    );
    // Signed with the owner token, or a write share's: decides whether the owner's AWS credentials may apply.
    const asOwner = signer.principal.role === 'owner';
    feature.deps.onAuthenticated?.(req);
    if (!route)
      throw new LambdaError(
        'UnknownOperationException',
        404,
        `Nimbus does not implement ${method} ${rest}: functions come from the workspace's templates`,
      );

    const svc = await feature.service(workspaceId);
    const op = route[2];
    const rawName = route[1].exec(rest)?.[1];
    const entry = rawName === undefined ? undefined : resolveFunction(svc, decode(rawName), query.get('Qualifier'));
    switch (op) {
      case 'Invoke':
        return invoke(res, svc, entry as FunctionEntry, req, body, invocationType, asOwner);
      case 'InvokeWithResponseStream':
        return invokeStreaming(res, svc, entry as FunctionEntry, req, body, asOwner);
      // Read-only lists that tools call (the AWS Toolkit, Terraform's refresh): what AWS answers for a
      // function that has only $LATEST, no aliases, no event source mappings and no resource policy.
      case 'ListVersionsByFunction':
        return sendJson(res, 200, requestId, { Versions: [await functionConfiguration(svc, entry as FunctionEntry)] });
      case 'ListAliases':
        return sendJson(res, 200, requestId, { Aliases: [] });
      case 'ListEventSourceMappings': {
        const fn = query.get('FunctionName');
        if (fn !== null) resolveFunction(svc, fn, null);
        return sendJson(res, 200, requestId, { EventSourceMappings: [] });
      }
      case 'ListTags':
        return sendJson(res, 200, requestId, { Tags: (entry as FunctionEntry).spec.tags });
      case 'GetPolicy':
        throw new LambdaError('ResourceNotFoundException', 404, 'The resource you requested does not exist.');
      case 'ListFunctions': {
        const max = query.has('MaxItems') ? Number(query.get('MaxItems')) : PAGE_MAX;
        if (!Number.isInteger(max) || max < 1 || max > 10000) throw invalidParameter('MaxItems must be between 1 and 10000.');
        const marker = query.get('Marker');
        const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : '';
        const all = svc.list().filter((e) => e.spec.name > after);
        const page = all.slice(0, Math.min(max, PAGE_MAX));
        const Functions = await Promise.all(page.map((e) => functionConfiguration(svc, e)));
        const last = page.at(-1);
        const next = all.length > page.length && last ? { NextMarker: Buffer.from(last.spec.name).toString('base64url') } : {};
        return sendJson(res, 200, requestId, { Functions, ...next });
      }
      case 'GetFunction': {
        const e = entry as FunctionEntry;
        const reserved = svc.concurrency.reservedFor(e.spec.name);
        return sendJson(res, 200, requestId, {
          Configuration: await functionConfiguration(svc, e),
          Code: { RepositoryType: 'S3', Location: feature.codeUrl(feature.publicBase(req), workspaceId, e.spec.name) },
          ...(reserved !== undefined ? { Concurrency: { ReservedConcurrentExecutions: reserved } } : {}),
        });
      }
      case 'GetFunctionConfiguration':
        return sendJson(res, 200, requestId, await functionConfiguration(svc, entry as FunctionEntry));
      case 'PutFunctionConcurrency': {
        const parsed = z.object({ ReservedConcurrentExecutions: z.number().int().min(0) }).safeParse(parseJson(body));
        if (!parsed.success) throw invalidParameter('ReservedConcurrentExecutions must be a whole number of at least 0.');
        try {
          svc.setReserved((entry as FunctionEntry).spec.name, parsed.data.ReservedConcurrentExecutions);
        } catch (err) {
          if (err instanceof ReservationError) throw invalidParameter(err.message);
          throw err;
        }
        return sendJson(res, 200, requestId, { ReservedConcurrentExecutions: parsed.data.ReservedConcurrentExecutions });
      }
      case 'GetFunctionConcurrency': {
        const reserved = svc.concurrency.reservedFor((entry as FunctionEntry).spec.name);
        return sendJson(res, 200, requestId, reserved === undefined ? {} : { ReservedConcurrentExecutions: reserved });
      }
      case 'DeleteFunctionConcurrency':
        svc.setReserved((entry as FunctionEntry).spec.name, undefined);
        return send(res, 204, { 'x-amzn-RequestId': requestId });
      case 'GetAccountSettings':
        return sendJson(res, 200, requestId, await accountSettings(svc));
    }
  }

  async function invoke(
    res: ServerResponse,
    svc: WorkspaceLambda,
    entry: FunctionEntry,
    req: IncomingMessage,
    body: Buffer,
    type: string,
    asOwner: boolean,
  ): Promise<void> {
    if (type !== 'RequestResponse' && type !== 'Event' && type !== 'DryRun')
      throw invalidParameter(`Unsupported InvocationType ${type}: use RequestResponse, Event or DryRun.`);
    const logType = String(req.headers['x-amz-log-type'] ?? 'None');
    if (logType !== 'None' && logType !== 'Tail') throw invalidParameter(`Unsupported LogType ${logType}: use None or Tail.`);
    const payload = body.length === 0 ? Buffer.from('{}') : body;
    parseJson(payload, 'InvalidRequestContentException');
    const name = entry.spec.name;
    if (type === 'DryRun') return send(res, 204, { 'x-amzn-RequestId': randomUUID() });
    if (type === 'Event') {
      const requestId = svc.enqueue(name, payload, tenantOf(req), asOwner);
      return send(res, 202, { 'x-amzn-RequestId': requestId });
    }
    const inv = await svc.invoke(name, payload, invokeOptions(req, asOwner));
    const headers: Record<string, string> = {
      'Content-Type': inv.streamedContentType ?? 'application/json',
      'x-amzn-RequestId': inv.requestId,
      'X-Amz-Executed-Version': '$LATEST',
    };
    if (inv.functionError) headers['X-Amz-Function-Error'] = inv.functionError;
    if (logType === 'Tail') headers['X-Amz-Log-Result'] = logTail(inv.log);
    send(res, 200, headers, inv.payload);
  }

  /**
   * InvokeWithResponseStream: the response as an AWS event stream, each piece the function writes as a
   * PayloadChunk as soon as it is written (a function that does not stream sends its whole response as
   * one), then InvokeComplete with the error and the log tail.
   */
  async function invokeStreaming(
    res: ServerResponse,
    svc: WorkspaceLambda,
    entry: FunctionEntry,
    req: IncomingMessage,
    body: Buffer,
    asOwner: boolean,
  ): Promise<void> {
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type !== 'RequestResponse' && type !== 'DryRun')
      throw invalidParameter(`Unsupported InvocationType ${type}: use RequestResponse or DryRun.`);
    const logType = String(req.headers['x-amz-log-type'] ?? 'None');
    if (logType !== 'None' && logType !== 'Tail') throw invalidParameter(`Unsupported LogType ${logType}: use None or Tail.`);
    const payload = body.length === 0 ? Buffer.from('{}') : body;
    parseJson(payload, 'InvalidRequestContentException');
    if (type === 'DryRun') return send(res, 204, { 'x-amzn-RequestId': randomUUID() });
    const stream = new EventStreamWriter(res);
    let streamed = false;
    const inv = await svc.invoke(entry.spec.name, payload, {
      ...invokeOptions(req, asOwner),
      onChunk: (chunk, contentType) => {
        streamed = true;
        stream.start(contentType);
        stream.chunk(chunk);
      },
    });
    if (!streamed) {
      stream.start(inv.streamedContentType ?? 'application/json', inv.requestId);
      if (inv.functionError === undefined && inv.payload.length > 0) stream.chunk(inv.payload);
    }
    stream.complete({
      ...(inv.functionError !== undefined ? { ErrorCode: inv.errorType ?? 'Unhandled', ErrorDetails: errorDetails(inv.payload) } : {}),
      ...(logType === 'Tail' ? { LogResult: logTail(inv.log) } : {}),
    });
  }

  async function serveCode(res: ServerResponse, workspaceId: string, name: string, query: URLSearchParams): Promise<void> {
    if (
      !feature.deps.workspaces.exists(workspaceId) ||
      !feature.codeUrlValid(workspaceId, name, query.get('expires') ?? '', query.get('signature') ?? '')
    ) {
      throw new LambdaError('AccessDenied', 403, 'Request has expired or the signature does not match');
    }
    const entry = (await feature.service(workspaceId)).get(name);
    if (!entry) throw new LambdaError('NoSuchKey', 404, 'The specified key does not exist.');
    res.writeHead(200, { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${name}.zip"` });
    await pipeline(zipOfCode(entry.spec.codeDir), res);
  }
}

const url = (req: IncomingMessage): string => req.url ?? '/';

function parseJson(body: Buffer, code = 'InvalidParameterValueException'): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new LambdaError(code, 400, `Could not parse request body into json: ${(err as Error).message}`);
  }
}

function invokeOptions(req: IncomingMessage, asOwner: boolean): InvokeOptions {
  const clientContext = clientContextOf(req);
  const tenantId = tenantOf(req);
  return { asOwner, ...(clientContext ? { clientContext } : {}), ...(tenantId !== undefined ? { tenantId } : {}) };
}

/** X-Amz-Tenant-Id: 1 to 256 characters of letters, digits and `-_.:/=+@`. */
function tenantOf(req: IncomingMessage): string | undefined {
  const raw = req.headers['x-amz-tenant-id'];
  if (typeof raw !== 'string') return undefined;
  if (!/^[a-zA-Z0-9\-_.:/=+@]{1,256}$/.test(raw)) throw invalidParameter('TenantId must be 1 to 256 letters, digits or -_.:/=+@.');
  return raw;
}

/** The error message of a function error's JSON body, for InvokeComplete's ErrorDetails. */
function errorDetails(payload: Buffer): string {
  try {
    const parsed = JSON.parse(payload.toString('utf8')) as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // not JSON: the text itself
  }
  return payload.toString('utf8');
}

/** X-Amz-Client-Context: base64 of a JSON object; the runtime gets the JSON text. */
function clientContextOf(req: IncomingMessage): string | undefined {
  const raw = req.headers['x-amz-client-context'];
  if (typeof raw !== 'string' || raw === '') return undefined;
  if (raw.length > 3583) throw invalidParameter('Client context must be at most 3583 bytes, base64-encoded.');
  const text = Buffer.from(raw, 'base64').toString('utf8');
  try {
    JSON.parse(text);
  } catch {
    throw invalidParameter('Client context must be base64-encoded JSON.');
  }
  return text;
}

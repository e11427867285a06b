// Nimbus's Node.js runtime client: loads the handler, then loops on the public Lambda Runtime API
// (GET /invocation/next, POST /invocation/{id}/response|error, POST /init/error) like AWS's own client.
// Plain JavaScript, started directly by `node`: no build step and nothing to load but Node's built-ins.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire, register } from 'node:module';
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';

const API = '/2018-06-01/runtime';
const [apiHost, apiPort] = String(process.env.AWS_LAMBDA_RUNTIME_API).split(':');
// Free keep-alive sockets are unref'd by the agent, so they never keep the event loop alive:
// 'beforeExit' can tell when a callback-style handler's work is done (callbackWaitsForEmptyEventLoop).
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
let currentRequestId;

function call(method, pathname, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: apiHost, port: Number(apiPort), method, path: API + pathname, agent, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setNoDelay(true);
    req.on('error', reject);
    req.end(body);
  });
}

// console.* as Lambda prints it: timestamp, request id, level, message (newlines become \r so that one
// call stays one log event). Written synchronously to stdout, so it is in the pipe before the response.
for (const [method, level] of [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
  ['debug', 'DEBUG'],
  ['trace', 'TRACE'],
]) {
  console[method] = (...args) => {
    const message = format(...args).replace(/\n/g, '\r');
    process.stdout.write(`${new Date().toISOString()}\t${currentRequestId}\t${level}\t${message}\n`);
  };
}

function errorBody(err) {
  if (err instanceof Error) return { errorType: err.name, errorMessage: err.message, trace: String(err.stack ?? '').split('\n') };
  const text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  return { errorType: typeof err, errorMessage: text, trace: [] };
}

function typedError(name, message, cause) {
  const err = new Error(message);
  err.name = name;
  if (cause?.stack) err.stack = `${name}: ${message}\n${String(cause.stack).split('\n').slice(1).join('\n')}`;
  return err;
}

async function initError(err) {
  const body = errorBody(err);
  console.error(`${body.errorType}: ${body.errorMessage}`);
  await call('POST', '/init/error', JSON.stringify(body), {
    'Lambda-Runtime-Function-Error-Type': body.errorType,
    'Content-Type': 'application/json',
  }).catch(() => undefined);
  process.exit(1);
}

function moduleType(file) {
  if (file.endsWith('.mjs')) return 'esm';
  if (file.endsWith('.cjs')) return 'cjs';
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).type === 'module' ? 'esm' : 'cjs';
    } catch {
      if (dir === path.dirname(dir) || dir === path.dirname(taskRoot)) return 'cjs';
    }
  }
}

async function loadHandler(handlerString) {
  const base = path.basename(handlerString);
  const dot = base.indexOf('.');
  if (dot <= 0 || dot === base.length - 1) throw typedError('Runtime.MalformedHandlerName', `Bad handler ${handlerString}`);
  const modulePath = path.resolve(taskRoot, path.dirname(handlerString), base.slice(0, dot));
  const file = ['.js', '.mjs', '.cjs'].map((ext) => modulePath + ext).find((f) => fs.existsSync(f));
  if (!file) throw typedError('Runtime.ImportModuleError', `Error: Cannot find module '${base.slice(0, dot)}'`);
  let mod;
  try {
    if (moduleType(file) === 'esm') mod = await importEsm(file);
    else {
      try {
        mod = createRequire(file)(file);
      } catch (err) {
        if (err?.code !== 'ERR_REQUIRE_ESM') throw err;
        mod = await importEsm(file);
      }
    }
  } catch (err) {
    if (err instanceof SyntaxError) throw typedError('Runtime.UserCodeSyntaxError', `${err.name}: ${err.message}`, err);
    if (err?.code === 'MODULE_NOT_FOUND' || err?.code === 'ERR_MODULE_NOT_FOUND')
      throw typedError('Runtime.ImportModuleError', `Error: ${err.message}`, err);
    throw err;
  }
  let fn = mod;
  for (const key of base.slice(dot + 1).split('.')) fn = fn?.[key] ?? (fn === mod ? mod.default?.[key] : undefined);
  if (typeof fn !== 'function') throw typedError('Runtime.HandlerNotFound', `${base} is undefined or not exported`);
  return fn;
}

/**
 * A streaming handler gets a writable stream; what it writes goes to the Runtime API as it is written
 * (a chunked POST in Lambda's streaming mode). An error after the first byte is sent as trailers.
 */
function runStreaming(requestId, event, context) {
  return new Promise((resolve) => {
    let contentType = 'application/octet-stream';
    let req;
    let wroteFirst = false;
    let ended = false;
    const open = () => {
      if (req) return req;
      req = http.request({
        host: apiHost,
        port: Number(apiPort),
        method: 'POST',
        path: `${API}/invocation/${requestId}/response`,
        agent,
        headers: {
          'Lambda-Runtime-Function-Response-Mode': 'streaming',
          'Transfer-Encoding': 'chunked',
          Trailer: 'Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body',
          'Content-Type': contentType,
        },
      });
      req.setNoDelay(true);
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', resolve);
      return req;
    };
    const stream = new Writable({
      highWaterMark: handler[HANDLER_HIGH_WATER_MARK],
      write(chunk, _encoding, callback) {
        const r = open();
        if (!wroteFirst) {
          wroteFirst = true;
          stream._onBeforeFirstWrite?.((data) => r.write(data));
        }
        r.write(chunk, callback);
      },
      final(callback) {
        const r = open();
        if (!wroteFirst) {
          wroteFirst = true;
          stream._onBeforeFirstWrite?.((data) => r.write(data));
        }
        ended = true;
        r.end(callback);
      },
    });
    stream.setContentType = (type) => {
      if (req) throw new Error('Cannot set content-type, too late.');
      contentType = type;
    };
    const fail = (err) => {
      const body = errorBody(err);
      console.error('Invoke Error', JSON.stringify(body));
      if (ended) return resolve();
      const r = open();
      r.addTrailers({
        'Lambda-Runtime-Function-Error-Type': body.errorType,
        'Lambda-Runtime-Function-Error-Body': Buffer.from(JSON.stringify(body)).toString('base64'),
      });
      ended = true;
      r.end();
    };
    let ret;
    try {
      ret = handler(event, stream, context);
    } catch (err) {
      return fail(err);
    }
    Promise.resolve(ret).then(
      () => {
        // The handler may return before it ends the stream (a pipeline still running): wait for it.
        if (!stream.writableEnded && !ended) stream.end();
      },
      (err) => fail(err ?? new Error('Promise rejected')),
    );
  });
}

let pending; // the invocation in progress: { finish(err, value, viaCallback) }
// The loop ran empty while a handler had not finished (no callback, a promise nothing will settle):
// Lambda answers null rather than letting the runtime exit.
process.on('beforeExit', () => pending?.finish(null, null, false));

function runHandler(handler, event, context) {
  return new Promise((resolve, reject) => {
    let done = false;
    const settle = (err, value) => (err !== null && err !== undefined ? reject(err) : resolve(value));
    const finish = (err, value, viaCallback) => {
      if (done) return;
      done = true;
      pending = undefined;
      if (viaCallback && context.callbackWaitsForEmptyEventLoop) process.once('beforeExit', () => settle(err, value));
      else settle(err, value);
    };
    pending = { finish };
    context.done = (err, value) => finish(err, value, false);
    context.succeed = (value) => finish(null, value, false);
    context.fail = (err) => finish(err ?? new Error('handled'), undefined, false);
    try {
      const ret = handler(event, context, (err, value) => finish(err, value, true));
      if (ret && typeof ret.then === 'function')
        ret.then(
          (v) => finish(null, v, false),
          (e) => finish(e ?? new Error('Promise rejected'), undefined, false),
        );
    } catch (err) {
      finish(err, undefined, false);
    }
  });
}

async function postError(requestId, err) {
  const body = errorBody(err);
  console.error('Invoke Error', JSON.stringify(body));
  await call('POST', `/invocation/${requestId}/error`, JSON.stringify(body), {
    'Lambda-Runtime-Function-Error-Type': body.errorType,
    'Content-Type': 'application/json',
  });
}

function crash(kind) {
  return async (err) => {
    if (!currentRequestId) return initError(err);
    const wrapped = kind === 'rejection' && !(err instanceof Error) ? typedError('Runtime.UnhandledPromiseRejection', String(err)) : err;
    await postError(currentRequestId, wrapped).catch(() => undefined);
    process.exit(129);
  };
}
process.on('uncaughtException', crash('exception'));
process.on('unhandledRejection', crash('rejection'));

// What Lambda's Node.js runtime puts in the global scope before it loads the handler: response streaming.
const HANDLER_STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');
const HANDLER_HIGH_WATER_MARK = Symbol.for('aws.lambda.runtime.handler.streaming.highWaterMark');
const HTTP_INTEGRATION_CONTENT_TYPE = 'application/vnd.awslambda.http-integration-response';
globalThis.awslambda = {
  streamifyResponse(fn, options) {
    fn[HANDLER_STREAMING] = 'response';
    if (typeof options?.highWaterMark === 'number') fn[HANDLER_HIGH_WATER_MARK] = Math.floor(options.highWaterMark);
    return fn;
  },
  HttpResponseStream: class HttpResponseStream {
    // Status and headers for a function URL: a JSON prelude, then 8 zero bytes, then the body.
    static from(stream, prelude) {
      stream.setContentType(HTTP_INTEGRATION_CONTENT_TYPE);
      const text = JSON.stringify(prelude);
      stream._onBeforeFirstWrite = (write) => {
        write(text);
        write(new Uint8Array(8));
      };
      return stream;
    }
  },
};

// ES modules do not read NODE_PATH: as on Lambda, a bare import that the handler's own folders cannot
// resolve is looked up in the layers' node_modules (and then the SDK the runtime ships).
// Registered only before an ES module is imported: the hook has a thread of its own, which a CommonJS
// handler's cold start need not pay for.
let esmPathsRegistered = false;
function importEsm(file) {
  if (!esmPathsRegistered) {
    esmPathsRegistered = true;
    const dirs = String(process.env.NODE_PATH ?? '')
      .split(':')
      .filter((d) => d.endsWith('node_modules'));
    if (dirs.length > 0)
      register(pathToFileURL(path.join(path.dirname(new URL(import.meta.url).pathname), 'node-esm-paths.mjs')).href, { data: { dirs } });
  }
  return import(pathToFileURL(file).href);
}

let handler;
try {
  handler = await loadHandler(process.env._HANDLER ?? '');
} catch (err) {
  await initError(err);
}

for (;;) {
  const next = await call('GET', '/invocation/next');
  if (next.status !== 200) throw new Error(`runtime API answered ${next.status} to next`);
  const h = next.headers;
  const requestId = String(h['lambda-runtime-aws-request-id']);
  const deadline = Number(h['lambda-runtime-deadline-ms']);
  if (h['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = String(h['lambda-runtime-trace-id']);
  else delete process.env._X_AMZN_TRACE_ID;
  const context = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: String(h['lambda-runtime-invoked-function-arn']),
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: requestId,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: h['lambda-runtime-cognito-identity'] ? JSON.parse(String(h['lambda-runtime-cognito-identity'])) : undefined,
    clientContext: h['lambda-runtime-client-context'] ? JSON.parse(String(h['lambda-runtime-client-context'])) : undefined,
    ...(h['lambda-runtime-aws-tenant-id'] ? { tenantId: String(h['lambda-runtime-aws-tenant-id']) } : {}),
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  currentRequestId = requestId;
  if (handler[HANDLER_STREAMING] === 'response') {
    await runStreaming(requestId, JSON.parse(next.body.toString('utf8')), context);
    currentRequestId = undefined;
    continue;
  }
  let body;
  try {
    const result = await runHandler(handler, JSON.parse(next.body.toString('utf8')), context);
    try {
      body = JSON.stringify(result === undefined ? null : result);
    } catch (err) {
      throw typedError('Runtime.MalformedHandlerResponse', `Unable to stringify response body: ${err.message}`);
    }
  } catch (err) {
    await postError(requestId, err);
    currentRequestId = undefined;
    continue;
  }
  await call('POST', `/invocation/${requestId}/response`, body, { 'Content-Type': 'application/json' });
  currentRequestId = undefined;
}

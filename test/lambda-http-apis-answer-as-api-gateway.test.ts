import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../shared/api.js';
import type { LambdaFunctionList } from '../shared/lambda.js';
import { writeFiles } from './helpers/lambda.js';
import { startTestServer, TEST_TOKEN, type TestServer } from './helpers/server.js';

/**
 * The local HTTP APIs against API Gateway's documented behaviour: the Lambda proxy events of REST APIs
 * and HTTP APIs (payload 1.0 and 2.0), the response mapping, its errors, CORS, and who may call.
 * Expected values are written from the API Gateway developer guide ("Lambda proxy integrations",
 * "payload format version", "Working with binary media types", "CORS").
 */

const TEMPLATE = `Transform: AWS::Serverless-2016-10-31
Globals:
  Function: { Runtime: nodejs20.x, CodeUri: src, Timeout: 10 }
Resources:
  Echo:
    Type: AWS::Serverless::Function
    Properties:
      Handler: echo.handler
      Events:
        Item: { Type: Api, Properties: { Path: '/items/{id}', Method: get } }
        Files: { Type: Api, Properties: { Path: '/files/{proxy+}', Method: any } }
        Root: { Type: Api, Properties: { Path: /, Method: post } }
        V2: { Type: HttpApi, Properties: { Path: '/v2/{name}', Method: get } }
        Form: { Type: HttpApi, Properties: { Path: /form, Method: post } }
        V1: { Type: HttpApi, Properties: { Path: /v1/items, Method: post, PayloadFormatVersion: '1.0' } }
        Upload: { Type: Api, Properties: { Path: /upload, Method: post, RestApiId: !Ref DevApi } }
  Shapes:
    Type: AWS::Serverless::Function
    Properties:
      Handler: shapes.handler
      Events:
        Rest: { Type: Api, Properties: { Path: '/shape/{kind}', Method: get } }
        Http: { Type: HttpApi, Properties: { Path: '/shape/{kind}', Method: get } }
        Slow: { Type: HttpApi, Properties: { Path: /slow, Method: get, TimeoutInMillis: 300 } }
  UrlFn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: echo.handler
      FunctionUrlConfig:
        AuthType: NONE
        Cors: { AllowOrigins: ['https://example.com'], AllowMethods: [GET, POST], MaxAge: 60 }
  DevApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: dev
      BinaryMediaTypes: ['image~1png']
      Cors: { AllowOrigin: "'https://example.com'", AllowHeaders: "'Content-Type,X-Custom'", MaxAge: "'600'" }
`;

const ECHO = `exports.handler = async (event) => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) });`;

const SHAPES = `exports.handler = async (event) => {
  const kind = event.pathParameters ? event.pathParameters.kind : 'slow';
  if (kind === 'slow') { await new Promise((r) => setTimeout(r, 3000)); return { statusCode: 200, body: 'late' }; }
  if (kind === 'simple') return { hello: 'world' };
  if (kind === 'string') return 'plain';
  if (kind === 'malformed') return { statusCode: 'abc', body: 'x' };
  if (kind === 'object-body') return { statusCode: 200, body: { not: 'a string' } };
  if (kind === 'throws') throw new Error('boom');
  if (kind === 'cookies') return {
    statusCode: 201,
    cookies: ['flavour=oat; Path=/; Domain=example.com; HttpOnly', 'nimbus_session=stolen; Path=/'],
    headers: { 'X-One': 'a', 'X-Many': 'ignored' },
    multiValueHeaders: { 'X-Many': ['b', 'c'], 'Set-Cookie': ['legacy=1'] },
    body: 'made',
  };
  if (kind === 'binary') return { statusCode: 200, headers: { 'content-type': 'image/png' }, body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString('base64'), isBase64Encoded: true };
  if (kind === 'hostile') return { statusCode: 200, headers: { 'Content-Security-Policy': 'default-src *', 'Clear-Site-Data': '"cookies"', 'Content-Type': 'text/html' }, body: '<script>1</script>' };
  return { statusCode: 404, body: 'no such kind' };
};`;

let server: TestServer;
let root: string;

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: () => Record<string, unknown>;
}

/** A raw request (repeated headers stay repeated), with the owner's token unless `token` says otherwise. */
function request(
  method: string,
  pathname: string,
  options: { headers?: Record<string, string | string[]>; body?: Buffer | string; token?: string | null } = {},
): Promise<Answer> {
  const url = new URL(server.url + pathname);
  const token = options.token === undefined ? TEST_TOKEN : options.token;
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body,
          json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
        });
      });
    });
    req.on('error', reject);
    if (token !== null) req.setHeader('Authorization', `Bearer ${token}`);
    for (const [k, v] of Object.entries(options.headers ?? {})) req.setHeader(k, v);
    req.end(options.body);
  });
}

interface ProxyEvent {
  headers: Record<string, string>;
  multiValueHeaders: Record<string, string[]>;
  requestContext: { requestTime: string };
  [key: string]: unknown;
}

/** The event the echo function received (its response body). */
async function eventOf(answer: Promise<Answer>): Promise<ProxyEvent> {
  const a = await answer;
  expect(a.status, a.body.toString()).toBe(200);
  return a.json() as unknown as ProxyEvent;
}

async function shareToken(role: 'read' | 'write'): Promise<string> {
  const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role }) });
  return ((await res.json()) as { token: string }).token;
}

beforeAll(async () => {
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  writeFiles(root, { 'template.yaml': TEMPLATE, 'src/echo.js': ECHO, 'src/shapes.js': SHAPES });
  await server.api('/api/workspaces/default/wake', { method: 'POST' });
});
afterAll(async () => {
  await server?.stop();
});

describe('REST APIs (Api events): the Lambda proxy event, payload 1.0', () => {
  it('passes path, query and headers as API Gateway does: last values, all values, null when absent', async () => {
    const event = await eventOf(
      request('GET', '/api-gw/default/Prod/items/42?a=1&a=2&b=x%20y', {
        headers: { 'X-Multi': ['1', '2'], 'User-Agent': 'nimbus-test', Cookie: 'theme=dark; nimbus_session=abc' },
      }),
    );
    expect(event).toMatchObject({
      resource: '/items/{id}',
      path: '/items/42',
      httpMethod: 'GET',
      pathParameters: { id: '42' },
      queryStringParameters: { a: '2', b: 'x y' },
      multiValueQueryStringParameters: { a: ['1', '2'], b: ['x y'] },
      stageVariables: null,
      body: null,
      isBase64Encoded: false,
      requestContext: {
        accountId: expect.stringMatching(/^\d{12}$/),
        apiId: expect.stringMatching(/^[0-9a-f]{10}$/),
        httpMethod: 'GET',
        path: '/Prod/items/42',
        resourcePath: '/items/{id}',
        stage: 'Prod',
        protocol: 'HTTP/1.1',
        requestId: expect.any(String),
        requestTimeEpoch: expect.any(Number),
        identity: { sourceIp: '127.0.0.1', userAgent: 'nimbus-test' },
      },
    });
    expect(event.multiValueHeaders['X-Multi']).toEqual(['1', '2']);
    expect(event.headers['X-Multi']).toBe('2');
    expect(event.headers['X-Forwarded-For']).toBe('127.0.0.1');
    expect(event.requestContext.requestTime).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    // Nimbus's own credentials never reach the function.
    expect(Object.keys(event.headers).map((h) => h.toLowerCase())).not.toContain('authorization');
    expect(event.headers.Cookie).toBe('theme=dark');
  });

  it('greedy {proxy+} takes one or more segments, decoded; ANY takes every method; the root path is a route', async () => {
    const get = await eventOf(request('GET', '/api-gw/default/Prod/files/a/b%20c.txt'));
    expect(get).toMatchObject({ resource: '/files/{proxy+}', pathParameters: { proxy: 'a/b c.txt' }, httpMethod: 'GET' });
    const del = await eventOf(request('DELETE', '/api-gw/default/Prod/files/x'));
    expect(del).toMatchObject({ httpMethod: 'DELETE', pathParameters: { proxy: 'x' } });
    const root = await eventOf(request('POST', '/api-gw/default/Prod/', { body: 'hi', headers: { 'Content-Type': 'text/plain' } }));
    expect(root).toMatchObject({ resource: '/', path: '/', body: 'hi', isBase64Encoded: false, pathParameters: null });
  });

  it('an unknown route or method is 403 Missing Authentication Token', async () => {
    for (const [method, p] of [
      ['GET', '/api-gw/default/Prod/files'],
      ['GET', '/api-gw/default/Prod/nowhere'],
      ['POST', '/api-gw/default/Prod/items/42'],
    ] as const) {
      const a = await request(method, p);
      expect(a.status).toBe(403);
      expect(a.json()).toEqual({ message: 'Missing Authentication Token' });
    }
  });

  it("base64-encodes a body of one of the API's binary media types, and only those", async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xff]);
    const binary = await eventOf(request('POST', '/api-gw/default/dev/upload', { body: png, headers: { 'Content-Type': 'image/png' } }));
    expect(binary).toMatchObject({
      isBase64Encoded: true,
      body: png.toString('base64'),
      requestContext: { stage: 'dev', path: '/dev/upload' },
    });
    const text = await eventOf(request('POST', '/api-gw/default/dev/upload', { body: 'plain', headers: { 'Content-Type': 'text/plain' } }));
    expect(text).toMatchObject({ isBase64Encoded: false, body: 'plain' });
  });

  it('answers a CORS preflight from the API’s Cors, without calling the function', async () => {
    const a = await request('OPTIONS', '/api-gw/default/dev/upload', {
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(a.status).toBe(200);
    expect(a.headers).toMatchObject({
      'access-control-allow-origin': 'https://example.com',
      'access-control-allow-headers': 'Content-Type,X-Custom',
      'access-control-max-age': '600',
    });
    expect(a.headers['access-control-allow-methods']).toContain('POST');
  });
});

describe('HTTP APIs (HttpApi events): payload 2.0 and 1.0', () => {
  it('2.0: lower-case headers, joined repeats, cookies apart, rawPath and rawQueryString, absent parts left out', async () => {
    const event = await eventOf(
      request('GET', '/api-gw/default/$default/v2/ann?x=1&x=2&y=%C3%A9', {
        headers: { 'X-Multi': ['1', '2'], Cookie: 'a=1; b=2' },
      }),
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /v2/{name}',
      rawPath: '/v2/ann',
      rawQueryString: 'x=1&x=2&y=%C3%A9',
      cookies: ['a=1', 'b=2'],
      queryStringParameters: { x: '1,2', y: 'é' },
      pathParameters: { name: 'ann' },
      isBase64Encoded: false,
      requestContext: {
        http: { method: 'GET', path: '/v2/ann', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
        stage: '$default',
        routeKey: 'GET /v2/{name}',
      },
    });
    expect(event.headers['x-multi']).toBe('1,2');
    expect(event.headers.cookie).toBeUndefined();
    expect(event.headers.authorization).toBeUndefined();
    expect('body' in event).toBe(false);
    expect('multiValueHeaders' in event).toBe(false);
  });

  it('2.0 base64-encodes bodies that are not text, form posts included (as AWS does)', async () => {
    const event = await eventOf(
      request('POST', '/api-gw/default/$default/form', {
        body: 'a=1&b=2',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      }),
    );
    expect(event).toMatchObject({ isBase64Encoded: true, body: Buffer.from('a=1&b=2').toString('base64') });
    const json = await eventOf(
      request('POST', '/api-gw/default/$default/form', { body: '{"a":1}', headers: { 'Content-Type': 'application/json' } }),
    );
    expect(json).toMatchObject({ isBase64Encoded: false, body: '{"a":1}' });
  });

  it('1.0 on an HTTP API: the REST shape with version and routeKey', async () => {
    const event = await eventOf(
      request('POST', '/api-gw/default/$default/v1/items?q=1', { body: '{"n":1}', headers: { 'Content-Type': 'application/json' } }),
    );
    expect(event).toMatchObject({
      version: '1.0',
      resource: '/v1/items',
      path: '/v1/items',
      httpMethod: 'POST',
      body: '{"n":1}',
      isBase64Encoded: false,
      queryStringParameters: { q: '1' },
      multiValueQueryStringParameters: { q: ['1'] },
      requestContext: { routeKey: 'POST /v1/items', stage: '$default' },
    });
  });

  it('an unknown route is 404 Not Found', async () => {
    const a = await request('GET', '/api-gw/default/$default/nowhere');
    expect(a.status).toBe(404);
    expect(a.json()).toEqual({ message: 'Not Found' });
  });
});

describe('responses are mapped as API Gateway maps them', () => {
  it('2.0 takes any JSON without statusCode as the body of a 200; REST needs the proxy shape (502)', async () => {
    const simple = await request('GET', '/api-gw/default/$default/shape/simple');
    expect(simple.status).toBe(200);
    expect(simple.headers['content-type']).toBe('application/json');
    expect(simple.json()).toEqual({ hello: 'world' });
    const str = await request('GET', '/api-gw/default/$default/shape/string');
    expect([str.status, str.body.toString()]).toEqual([200, '"plain"']);
    const rest = await request('GET', '/api-gw/default/Prod/shape/simple');
    expect(rest.status).toBe(502);
    expect(rest.json()).toEqual({ message: 'Internal server error' });
  });

  it('a malformed response or a failed function: 502 on REST APIs, 500 on HTTP APIs', async () => {
    for (const kind of ['malformed', 'object-body', 'throws']) {
      const rest = await request('GET', `/api-gw/default/Prod/shape/${kind}`);
      expect([rest.status, rest.json()]).toEqual([502, { message: 'Internal server error' }]);
      const httpApi = await request('GET', `/api-gw/default/$default/shape/${kind}`);
      expect([httpApi.status, httpApi.json()]).toEqual([500, { message: 'Internal Server Error' }]);
    }
  });

  it('status, headers, multi-value headers (they win), cookies kept to the API, base64 bodies', async () => {
    const a = await request('GET', '/api-gw/default/$default/shape/cookies');
    expect(a.status).toBe(201);
    expect(a.body.toString()).toBe('made');
    expect(a.headers['x-one']).toBe('a');
    expect(a.headers['x-many']).toBe('b, c');
    // A function's cookies belong to its API (on AWS, its own domain); Nimbus's session cookie cannot be set.
    expect(a.headers['set-cookie']).toEqual([
      'legacy=1; Path=/api-gw/default/$default',
      'flavour=oat; Path=/api-gw/default/$default; HttpOnly',
    ]);
    const png = await request('GET', '/api-gw/default/$default/shape/binary');
    expect(png.headers['content-type']).toBe('image/png');
    expect([...png.body]).toEqual([0x89, 0x50, 0x4e, 0x47, 0, 255]);
  });

  it("a function's page runs sandboxed: it cannot act with the IDE's session, nor clear its cookies", async () => {
    const a = await request('GET', '/api-gw/default/$default/shape/hostile');
    expect(a.status).toBe(200);
    expect(a.headers['content-security-policy']).toMatch(/^sandbox /);
    expect(a.headers['content-security-policy']).not.toContain('allow-same-origin');
    expect(a.headers['clear-site-data']).toBeUndefined();
  });

  it('past the route’s integration timeout the caller gets 504, as from API Gateway', async () => {
    const started = Date.now();
    const a = await request('GET', '/api-gw/default/$default/slow');
    expect(a.status).toBe(504);
    expect(a.json()).toEqual({ message: 'Endpoint request timed out' });
    expect(Date.now() - started).toBeLessThan(2500);
  });
});

describe('function URLs', () => {
  it('take any path and method with the 2.0 event, and put the CORS headers of their configuration on responses', async () => {
    const a = request('POST', '/lambda-url/default/UrlFn/any/path?q=1', {
      body: '{"x":1}',
      headers: { 'Content-Type': 'application/json', Origin: 'https://example.com' },
    });
    const answer = await a;
    expect(answer.headers['access-control-allow-origin']).toBe('https://example.com');
    const event = await eventOf(Promise.resolve(answer));
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/any/path',
      body: '{"x":1}',
      requestContext: { http: { method: 'POST', path: '/any/path' }, stage: '$default' },
    });
    const preflight = await request('OPTIONS', '/lambda-url/default/UrlFn/x', {
      headers: { Origin: 'https://example.com', 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers).toMatchObject({ 'access-control-allow-origin': 'https://example.com', 'access-control-max-age': '60' });
  });
});

describe('who may call a local HTTP API', () => {
  it('the owner and write shares; not a read share nor a stranger, until the owner makes that API public', async () => {
    const p = '/api-gw/default/$default/v2/ann';
    expect((await request('GET', p, { token: null })).status).toBe(403);
    expect((await request('GET', p, { token: await shareToken('read') })).status).toBe(403);
    expect((await request('GET', p, { token: await shareToken('write') })).status).toBe(200);

    const list = (await (await server.api('/api/workspaces/default/lambda/functions')).json()) as LambdaFunctionList;
    const route = list.functions.find((f) => f.name === 'Echo')?.routes.find((r) => r.path === '/v2/{name}');
    expect(route).toMatchObject({
      method: 'GET',
      url: '/api-gw/default/$default/v2/{name}',
      api: { kind: 'http', stage: '$default' },
      public: false,
    });
    const apiId = route?.api.id as string;
    // A write share cannot open it; the owner can.
    const byShare = await server.api('/api/workspaces/default/lambda/apis/public', {
      method: 'PUT',
      token: await shareToken('write'),
      body: JSON.stringify({ apiId, public: true }),
    });
    expect(byShare.status).toBe(403);
    const byOwner = await server.api('/api/workspaces/default/lambda/apis/public', {
      method: 'PUT',
      body: JSON.stringify({ apiId, public: true }),
    });
    expect(byOwner.status).toBe(200);
    expect((await request('GET', p, { token: null })).status).toBe(200);
    // Only that API: the REST API of the same template stays closed.
    expect((await request('GET', '/api-gw/default/Prod/items/1', { token: null })).status).toBe(403);
    await server.api('/api/workspaces/default/lambda/apis/public', { method: 'PUT', body: JSON.stringify({ apiId, public: false }) });
    expect((await request('GET', p, { token: null })).status).toBe(403);
  });

  it('a call is activity (the workspace stays awake), and a code change takes effect on the next request', async () => {
    // lastActiveAt is written at most once a second: calls go on until one is recorded after this moment.
    const since = new Date().toISOString();
    await expect
      .poll(async () => {
        await eventOf(request('GET', '/api-gw/default/Prod/items/7'));
        return ((await (await server.api('/api/workspaces/default')).json()) as Workspace).lastActiveAt >= since;
      })
      .toBe(true);

    fs.writeFileSync(
      path.join(root, 'src/echo.js'),
      ECHO.replace("'Content-Type': 'application/json'", "'Content-Type': 'application/json', 'X-Version': '2'"),
    );
    await expect
      .poll(async () => (await request('GET', '/api-gw/default/Prod/items/7')).headers['x-version'], { timeout: 10_000 })
      .toBe('2');
    fs.writeFileSync(path.join(root, 'src/echo.js'), ECHO);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverFunctions } from './discover.js';

let root: string;
beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-http-events-')));
  fs.mkdirSync(path.join(root, 'src'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

async function routesOf(template: string): Promise<{ routes: unknown[]; warnings: string[] }> {
  fs.writeFileSync(path.join(root, 'template.yaml'), template);
  const { functions, problems } = await discoverFunctions(root, { region: 'eu-west-1', accountId: '123456789012' });
  expect(problems.filter((p) => p.severity !== 'warning')).toEqual([]);
  const fn = functions[0];
  return { routes: fn?.routes ?? [], warnings: fn?.warnings ?? [] };
}

describe('HTTP routes are read from Api and HttpApi events and FunctionUrlConfig, as SAM defines them', () => {
  it('implicit APIs: REST on stage Prod, HTTP on $default; methods upper case; $default when an HttpApi names neither', async () => {
    const { routes } = await routesOf(`Transform: AWS::Serverless-2016-10-31
Globals:
  Api: { Cors: "'*'" }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      Events:
        Get: { Type: Api, Properties: { Path: '/items/{id}/', Method: get } }
        Catch: { Type: HttpApi }
        Old: { Type: HttpApi, Properties: { Path: /old, Method: ANY, PayloadFormatVersion: '1.0', TimeoutInMillis: 5000 } }
        Queue: { Type: SQS, Properties: { Queue: arn:aws:sqs:eu-west-1:123456789012:q } }
`);
    expect(routes).toEqual([
      {
        api: {
          id: 'template.yaml#ServerlessRestApi',
          kind: 'rest',
          stage: 'Prod',
          binaryMediaTypes: [],
          cors: expect.objectContaining({ allowOrigins: ['*'] }),
        },
        method: 'GET',
        path: '/items/{id}',
        payloadFormat: '1.0',
        timeoutMs: 29_000,
        event: 'Get',
      },
      {
        api: { id: 'template.yaml#ServerlessHttpApi', kind: 'http', stage: '$default', binaryMediaTypes: [] },
        method: 'ANY',
        path: '$default',
        payloadFormat: '2.0',
        timeoutMs: 30_000,
        event: 'Catch',
      },
      { api: expect.objectContaining({ kind: 'http' }), method: 'ANY', path: '/old', payloadFormat: '1.0', timeoutMs: 5000, event: 'Old' },
    ]);
  });

  it('explicit APIs: StageName (a parameter too), BinaryMediaTypes, CorsConfiguration; a wrong ApiId is a warning', async () => {
    const { routes, warnings } = await routesOf(`Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: { Type: String, Default: v1 }
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: app.handler
      CodeUri: src
      FunctionUrlConfig: { AuthType: NONE, Cors: { AllowOrigins: ['*'], AllowCredentials: true } }
      Events:
        Up: { Type: Api, Properties: { Path: /up, Method: post, RestApiId: !Ref Rest } }
        Hi: { Type: HttpApi, Properties: { Path: /hi, Method: get, ApiId: !Ref Http } }
        Bad: { Type: HttpApi, Properties: { Path: /bad, Method: get, ApiId: !Ref Nowhere } }
  Rest:
    Type: AWS::Serverless::Api
    Properties: { StageName: !Ref Stage, BinaryMediaTypes: ['image~1png', '*~1*'] }
  Http:
    Type: AWS::Serverless::HttpApi
    Properties:
      StageName: live
      CorsConfiguration: { AllowOrigins: [https://a.example], AllowMethods: [get], MaxAge: 60 }
`);
    expect(routes).toMatchObject([
      { api: { id: 'template.yaml#Rest', kind: 'rest', stage: 'v1', binaryMediaTypes: ['image/png', '*/*'] }, method: 'POST', path: '/up' },
      {
        api: {
          id: 'template.yaml#Http',
          kind: 'http',
          stage: 'live',
          cors: { allowOrigins: ['https://a.example'], allowMethods: ['GET'], maxAge: 60 },
        },
        path: '/hi',
      },
      {
        api: { id: 'template.yaml#Fn.Url', kind: 'url', stage: 'Fn', cors: { allowOrigins: ['*'], allowCredentials: true } },
        path: '$default',
      },
    ]);
    expect(warnings).toEqual(['Bad: Nowhere is not an AWS::Serverless::HttpApi of this template; not served locally']);
  });
});

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverFunctions } from './discover.js';

let root: string;
const pseudo = { region: 'eu-west-1', accountId: '123456789012' };

function write(rel: string, text: string): void {
  const abs = path.join(root, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  fs.writeFileSync(abs, text);
}

beforeEach(() => {
  root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nimbus-templates-')));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

const SAM = `AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage:
    Type: String
    Default: dev
  Secret:
    Type: String
  Zones:
    Type: CommaDelimitedList
    Default: "a,b,c"
Conditions:
  IsDev: !Equals [!Ref Stage, dev]
  IsProd: !Not [!Condition IsDev]
Mappings:
  Sizes:
    dev: { Memory: 256 }
Globals:
  Function:
    Runtime: nodejs20.x
    Timeout: 7
    Environment:
      Variables:
        SHARED: from-globals
        STAGE: !Ref Stage
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: !Sub "\${AWS::StackName}-items"
  Anonymous:
    Type: AWS::SQS::Queue
  Api:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub "api-\${Stage}"
      CodeUri: src/
      Handler: app.handler
      MemorySize: !FindInMap [Sizes, !Ref Stage, Memory]
      ReservedConcurrentExecutions: 5
      Environment:
        Variables:
          STAGE: overridden
          TABLE: !Ref Table
          TABLE_ARN: !GetAtt Table.Arn
          MODE: !If [IsProd, prod-mode, dev-mode]
          REGION_ACCOUNT: !Join [":", [!Ref "AWS::Region", !Ref "AWS::AccountId"]]
          SECOND_ZONE: !Select [1, !Ref Zones]
          SELF: !GetAtt Worker.Arn
          QUEUE_ARN: !GetAtt Anonymous.Arn
          NEEDS_SECRET: !Ref Secret
          IMPORTED: !ImportValue other-stack-output
          DROPPED: !If [IsDev, !Ref "AWS::NoValue", kept]
      Events:
        Get:
          Type: Api
          Properties: { Path: /, Method: get }
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: worker.handler
      Runtime: python3.12
      Timeout: 30
`;

describe('functions are discovered from SAM and CloudFormation templates', () => {
  it('reads Globals, resolves what can be resolved locally, and keeps the rest as warnings', async () => {
    write('svc/template.yaml', SAM);
    fs.mkdirSync(path.join(root, 'svc/src'));
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(problems).toEqual([
      {
        file: 'svc/template.yaml',
        line: 7,
        column: 3,
        severity: 'warning',
        parameter: 'Secret',
        message: expect.stringMatching(/Secret has no Default/),
      },
    ]);
    expect(functions.map((f) => f.name)).toEqual(['Worker', 'api-dev']);
    const api = functions.find((f) => f.logicalId === 'Api');
    expect(api).toMatchObject({
      name: 'api-dev',
      template: 'svc/template.yaml',
      runtime: 'nodejs20.x',
      handler: 'app.handler',
      codeUri: 'svc/src',
      codeDir: path.join(root, 'svc/src'),
      timeout: 7,
      memorySize: 256,
      reservedConcurrency: 5,
      events: [{ name: 'Get', type: 'Api' }],
    });
    expect(api?.line).toBe(SAM.split('\n').findIndex((l) => l === '  Api:') + 1);
    expect(api?.environment).toEqual({
      SHARED: 'from-globals',
      STAGE: 'overridden',
      TABLE: 'svc-items',
      TABLE_ARN: 'arn:aws:dynamodb:eu-west-1:123456789012:table/svc-items',
      MODE: 'dev-mode',
      REGION_ACCOUNT: 'eu-west-1:123456789012',
      SECOND_ZONE: 'b',
      SELF: 'arn:aws:lambda:eu-west-1:123456789012:function:Worker',
      QUEUE_ARN: '',
      NEEDS_SECRET: '',
      IMPORTED: '',
    });
    expect(api?.warnings.join('\n')).toMatch(/QUEUE_ARN: !GetAtt Anonymous\.Arn \(Anonymous\.Arn is only known after deployment\)/);
    expect(api?.warnings.join('\n')).toMatch(/NEEDS_SECRET: !Ref Secret \(parameter Secret has no value: no Default, and no override\)/);
    expect(api?.warnings.join('\n')).toMatch(/IMPORTED: !ImportValue other-stack-output/);
    const worker = functions.find((f) => f.logicalId === 'Worker');
    expect(worker).toMatchObject({
      runtime: 'python3.12',
      timeout: 30,
      memorySize: 128,
      environment: { SHARED: 'from-globals', STAGE: 'dev' },
    });
  });

  it('reads JSON templates and AWS::Lambda::Function with inline code, in nested folders', async () => {
    write(
      'a/b/c/template.json',
      JSON.stringify({
        Resources: {
          Inline: {
            Type: 'AWS::Lambda::Function',
            Properties: {
              Runtime: 'python3.11',
              Handler: 'index.handler',
              Code: { ZipFile: { 'Fn::Join': ['\n', ['def handler(e, c):', '    return 1']] } },
              MemorySize: 512,
            },
          },
        },
      }),
    );
    const { functions, problems, templates } = await discoverFunctions(root, pseudo);
    expect(problems).toEqual([]);
    expect(templates).toEqual(['a/b/c/template.json']);
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({
      name: 'Inline',
      memorySize: 512,
      inlineCode: 'def handler(e, c):\n    return 1',
      codeUri: undefined,
    });
  });

  it('names file, line and reason for a broken template, and still serves the other templates', async () => {
    write(
      'good/template.yml',
      'Resources:\n  Ok:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: "exports.b=async()=>1" }\n',
    );
    write('bad/template.yaml', 'Resources:\n  Broken:\n    Type: AWS::Serverless::Function\n    Properties: [unclosed\n');
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions.map((f) => f.name)).toEqual(['Ok']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'bad/template.yaml', line: expect.any(Number) });
    expect(problems[0]?.message.length).toBeGreaterThan(10);
  });

  it('reports each function that cannot run, with its line, without dropping its neighbours', async () => {
    write(
      'template.yaml',
      [
        'Resources:',
        '  NoRuntime:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, InlineCode: x }',
        '  Java:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: java21, InlineCode: x }',
        '  FromS3:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: nodejs20.x, CodeUri: { Bucket: b, Key: k } }',
        '  Outside:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: nodejs20.x, CodeUri: ../../etc }',
        '  Missing:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: nodejs20.x, CodeUri: nowhere }',
        '  Fine:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: nodejs22.x, InlineCode: x, Timeout: 901 }',
        '  AlsoFine:',
        '    Type: AWS::Serverless::Function',
        '    Properties: { Handler: a.b, Runtime: provided.al2023, CodeUri: . }',
      ].join('\n'),
    );
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions.map((f) => f.name)).toEqual(['AlsoFine']);
    const byId = Object.fromEntries(problems.map((p) => [p.logicalId, p]));
    expect(byId.NoRuntime).toMatchObject({ file: 'template.yaml', line: 2, message: expect.stringMatching(/Runtime is missing/) });
    expect(byId.Java?.message).toMatch(/java21 is not supported/);
    expect(byId.FromS3?.message).toMatch(/S3/);
    expect(byId.Outside?.message).toMatch(/outside the workspace/);
    expect(byId.Missing?.message).toMatch(/does not exist/);
    expect(byId.Fine).toMatchObject({ line: 17, message: expect.stringMatching(/Timeout must be a whole number from 1 to 900/) });
  });

  it('refuses a handler outside the code folder, as for CodeUri', async () => {
    write('fn/app.js', 'exports.handler = async () => 1;');
    const fn = (id: string, handler: string): string =>
      `  ${id}:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: "${handler}", Runtime: nodejs20.x, CodeUri: fn }\n`;
    write(
      'template.yaml',
      'Resources:\n' +
        fn('Absolute', '/etc/passwd.handler') +
        fn('Up', '../../x.handler') +
        fn('Inside', 'app.handler') +
        fn('Nested', 'lib/app.handler'),
    );
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions.map((f) => f.name).sort()).toEqual(['Inside', 'Nested']);
    const byId = Object.fromEntries(problems.map((p) => [p.logicalId, p.message]));
    expect(byId.Absolute).toMatch(/must name a file inside the function's code folder/);
    expect(byId.Up).toMatch(/must name a file inside the function's code folder/);
  });

  it('a YAML alias bomb is a problem of that template, not a failure of the server', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++)
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    write(
      'bomb/template.yaml',
      `${levels.join('\n')}\nResources: { X: { Type: AWS::Serverless::Function, Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x } } }\n`,
    );
    write(
      'ok/template.yaml',
      'Resources:\n  Ok:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x }\n',
    );
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions.map((f) => f.name)).toEqual(['Ok']);
    expect(problems).toEqual([{ file: 'bomb/template.yaml', message: expect.stringMatching(/cannot be read: .*alias/i) }]);
  });

  it('a template whose intrinsics double the work per level is refused within its budget, the others still read', async () => {
    // 1.8 KB: each level joins two lookups of the level below, so level 24 stands for 2^24 lookups.
    const levels = ['    l0: { v: "ab" }'];
    for (let i = 1; i <= 24; i++) levels.push(`    l${i}: { v: !Join ["", [!FindInMap [M, l${i - 1}, v], !FindInMap [M, l${i - 1}, v]]] }`);
    write(
      'bomb/template.yaml',
      `Mappings:\n  M:\n${levels.join('\n')}\nResources:\n  Bomb:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x, Environment: { Variables: { V: !FindInMap [M, l24, v] } } }\n`,
    );
    write(
      'ok/template.yaml',
      'Resources:\n  Ok:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x }\n',
    );
    const started = performance.now();
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(functions.map((f) => f.name)).toEqual(['Ok']);
    expect(problems).toEqual([
      {
        file: 'bomb/template.yaml',
        message: expect.stringMatching(/cannot read the template: evaluating it (takes more than|builds more than)/),
      },
    ]);
  });

  it('refuses a second function with the same explicit name, pointing at the first one', async () => {
    const fn =
      'Resources:\n  Hello:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: hello, Runtime: nodejs20.x, Handler: a.b, InlineCode: x }\n';
    write('one/template.yaml', fn);
    write('two/template.yaml', fn);
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions.map((f) => f.template)).toEqual(['one/template.yaml']);
    expect(problems).toEqual([
      expect.objectContaining({
        file: 'two/template.yaml',
        message: expect.stringMatching(/already used by Hello in one\/template\.yaml:2/),
      }),
    ]);
  });

  it('names functions without FunctionName uniquely, readably and the same way every time', async () => {
    const fn = (extra = '') =>
      `Resources:\n  HelloWorldFunction:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: x, Environment: { Variables: { SELF: !Ref HelloWorldFunction, STACK: !Ref AWS::StackId, STACK_NAME: !Ref AWS::StackName } } }\n${extra}`;
    write('one/template.yaml', fn());
    write(
      'two/template.yaml',
      fn('  Other:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: y }\n'),
    );
    // Same folder name in two places, and a folder name far too long to prefix a name of 64 characters.
    write('a/svc/template.yaml', fn());
    write('b/svc/template.yaml', fn());
    const long = 'aws-samples-serverless-patterns-apigw-lambda-dynamodb-typescript-with-extras';
    write(`${long}/template.yaml`, fn());
    write('samconfigured/template.yaml', fn());
    write('samconfigured/samconfig.toml', 'version = 0.1\n[default.deploy.parameters]\nstack_name = "orders-api"\n');
    const first = await discoverFunctions(root, pseudo);
    expect(first.problems).toEqual([]);
    const names = first.functions.map((f) => `${f.template} ${f.name}`).sort();
    expect(names).toEqual([
      expect.stringMatching(/^a\/svc\/template\.yaml svc-HelloWorldFunction-[0-9A-F]{8}$/),
      'aws-samples-serverless-patterns-apigw-lambda-dynamodb-typescript-with-extras/template.yaml aws-samples-serverless-HelloWorldFunction',
      expect.stringMatching(/^b\/svc\/template\.yaml svc-HelloWorldFunction-[0-9A-F]{8}$/),
      'one/template.yaml one-HelloWorldFunction',
      'samconfigured/template.yaml orders-api-HelloWorldFunction',
      'two/template.yaml Other',
      'two/template.yaml two-HelloWorldFunction',
    ]);
    for (const f of first.functions) {
      expect(f.name.length).toBeLessThanOrEqual(64);
      if (f.logicalId === 'HelloWorldFunction') expect(f.environment.SELF).toBe(f.name);
    }
    const stackIds = first.functions.filter((f) => f.logicalId === 'HelloWorldFunction').map((f) => f.environment.STACK);
    expect(new Set(stackIds).size).toBe(stackIds.length);
    for (const id of stackIds)
      expect(id).toMatch(/^arn:aws:cloudformation:eu-west-1:123456789012:stack\/[A-Za-z][A-Za-z0-9-]*\/[0-9a-f-]{36}$/);
    expect(first.functions.find((f) => f.template === 'samconfigured/template.yaml')?.environment.STACK_NAME).toBe('orders-api');
    // Read again (a restart): the same names and stack ids.
    const again = await discoverFunctions(root, pseudo);
    expect(again.functions.map((f) => [f.name, f.environment.STACK])).toEqual(first.functions.map((f) => [f.name, f.environment.STACK]));
  });

  it("reads YAML the way the SAM CLI does: duplicate keys and flow collections at the key's indentation, with warnings", async () => {
    write(
      'template.yaml',
      [
        'Resources:',
        '  Fn:',
        '    Type: AWS::Serverless::Function',
        '    Properties:',
        '      Runtime: nodejs18.x',
        '      Handler: a.b',
        '      InlineCode: x',
        '      Runtime: nodejs20.x',
        '      Environment:',
        '        Variables: {',
        '        A: "1", B: "[not a bracket",',
        '        C: !Join [",", [x,',
        '        y]] }',
        '      Tags: [',
        '      ]',
        '',
      ].join('\n'),
    );
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions).toHaveLength(1);
    expect(functions[0]).toMatchObject({ runtime: 'nodejs20.x', environment: { A: '1', B: '[not a bracket', C: 'x,y' } });
    expect(problems).toEqual([
      { file: 'template.yaml', line: 11, severity: 'warning', message: expect.stringMatching(/flow collection .* read as the SAM CLI/) },
      { file: 'template.yaml', line: 12, severity: 'warning', message: expect.stringMatching(/flow collection/) },
      { file: 'template.yaml', line: 13, severity: 'warning', message: expect.stringMatching(/flow collection/) },
      { file: 'template.yaml', line: 15, severity: 'warning', message: expect.stringMatching(/flow collection/) },
      {
        file: 'template.yaml',
        line: 8,
        severity: 'warning',
        message: 'key Runtime is given twice (first on line 5); the last one is used, as the SAM CLI does',
      },
    ]);
  });

  it('takes parameter values from the workspace settings and samconfig.toml, and reads templates the settings name', async () => {
    const tpl = (name: string) =>
      `Parameters:\n  Stage: { Type: String }\n  Memory: { Type: Number }\n  Zones: { Type: CommaDelimitedList }\nConditions:\n  Off: !Equals [!Ref Stage, never]\nResources:\n  ${name}:\n    Type: AWS::Serverless::Function\n    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: x, MemorySize: !Ref Memory, Environment: { Variables: { STAGE: !Ref Stage, ZONE: !Select [1, !Ref Zones] } } }\n  Skipped:\n    Type: AWS::Serverless::Function\n    Condition: Off\n    Properties: { Runtime: nodejs20.x, Handler: a.b, InlineCode: x }\n`;
    write('api/template.yaml', tpl('Api'));
    write(
      'api/samconfig.toml',
      '[default.deploy.parameters]\nparameter_overrides = "Stage=\\"from samconfig\\" Memory=512 ParameterKey=Zones,ParameterValue=a,b"\n',
    );
    write('infra/stack.yml', tpl('Infra'));
    write(
      '.nimbus/settings.json',
      JSON.stringify({ 'lambda.templates': ['infra/stack.yml', 'missing.yaml'], 'lambda.parameterOverrides': ['Memory=1024'] }),
    );
    const { functions, problems, templates } = await discoverFunctions(root, pseudo);
    expect(templates).toEqual(['api/template.yaml', 'infra/stack.yml', 'missing.yaml']);
    expect(functions.map((f) => [f.name, f.memorySize, f.environment])).toEqual([
      ['Api', 1024, { STAGE: 'from samconfig', ZONE: 'b' }],
      ['Infra', 1024, { STAGE: '', ZONE: '' }],
      // Its Condition needs Stage, which has no value here: kept, as it cannot be told.
      ['infra-Skipped', 128, {}],
    ]);
    // Each function carries its template's parameters, with where each value comes from.
    expect(functions[0]?.parameters).toEqual([
      { name: 'Stage', type: 'String', from: 'samconfig', value: 'from samconfig' },
      { name: 'Memory', type: 'Number', from: 'setting', value: '1024' },
      { name: 'Zones', type: 'CommaDelimitedList', from: 'samconfig', value: 'a,b' },
    ]);
    expect(functions[1]?.parameters?.map((p) => [p.name, p.from, p.value])).toEqual([
      ['Stage', 'none', undefined],
      ['Memory', 'setting', '1024'],
      ['Zones', 'none', undefined],
    ]);
    const summary = problems.map((p) => `${p.file}:${p.line ?? ''} ${p.severity ?? 'error'} ${p.parameter ?? p.logicalId ?? ''}`);
    expect(summary).toEqual([
      'missing.yaml: error ',
      'api/template.yaml:11 warning Skipped',
      'infra/stack.yml:2 warning Stage',
      'infra/stack.yml:4 warning Zones',
    ]);
  });

  it('lists container-image and S3-code functions as not runnable here, with the reason', async () => {
    write(
      'template.yaml',
      'Resources:\n  Img:\n    Type: AWS::Serverless::Function\n    Properties: { PackageType: Image, ImageUri: repo/app:1 }\n' +
        '  S3Code:\n    Type: AWS::Serverless::Function\n    Properties: { FunctionName: from-s3, Runtime: nodejs20.x, Handler: a.b, CodeUri: s3://bucket/app.zip }\n',
    );
    const { functions, problems } = await discoverFunctions(root, pseudo);
    expect(functions).toEqual([]);
    expect(problems).toEqual([
      expect.objectContaining({
        logicalId: 'Img',
        severity: 'warning',
        unavailable: { name: 'Img' },
        message: expect.stringMatching(/container image/),
      }),
      expect.objectContaining({
        logicalId: 'S3Code',
        severity: 'warning',
        unavailable: { name: 'from-s3' },
        message: expect.stringMatching(/is in S3/),
      }),
    ]);
  });

  it('parses every short-form intrinsic tag, and skips build output and dependencies', async () => {
    const tags = [
      '!Ref X',
      '!Sub x',
      '!Sub [x, {}]',
      '!GetAtt A.B',
      '!GetAtt [A, B]',
      '!If [C, a, b]',
      '!Join [",", [a]]',
      '!Select [0, [a]]',
      '!Split [",", "a"]',
      '!FindInMap [M, a, b]',
      '!Base64 x',
      '!Cidr [a, 1, 2]',
      '!Equals [a, b]',
      '!Not [C]',
      '!And [C, C]',
      '!Or [C, C]',
      '!GetAZs ""',
      '!ImportValue x',
      '!Transform { Name: x }',
      '!Condition C',
    ];
    write(
      'template.yaml',
      `Resources:\n  Tags:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n      Handler: a.b\n      InlineCode: x\n      Metadata:\n${tags.map((t, i) => `        T${i}: ${t}`).join('\n')}\n`,
    );
    write('.aws-sam/build/template.yaml', 'Resources: {}\n');
    write('node_modules/pkg/template.yaml', 'Resources: [broken\n');
    const { functions, problems, templates } = await discoverFunctions(root, pseudo);
    expect(problems).toEqual([]);
    expect(templates).toEqual(['template.yaml']);
    expect(functions.map((f) => f.name)).toEqual(['Tags']);
  });
});

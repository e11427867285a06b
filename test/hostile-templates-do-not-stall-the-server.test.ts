import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LambdaFunctionList } from '../shared/lambda.js';
import { writeFiles } from './helpers/lambda.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

describe('a hostile template does not stall the server', () => {
  it('a template whose mappings double the work per level is reported as a problem while everyone else is served', async () => {
    const levels = ['    l0: { v: "ab" }'];
    for (let i = 1; i <= 24; i++) levels.push(`    l${i}: { v: !Join ["", [!FindInMap [M, l${i - 1}, v], !FindInMap [M, l${i - 1}, v]]] }`);
    writeFiles(server.workspaces.rootOf('default'), {
      'bomb/template.yaml': `Mappings:\n  M:\n${levels.join('\n')}\nResources:\n  Bomb:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x, Environment: { Variables: { V: !FindInMap [M, l24, v] } } }\n`,
      'ok/template.yaml':
        'Resources:\n  Fine:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: a.b, Runtime: nodejs20.x, InlineCode: x }\n',
    });
    const listing = server.api('/api/workspaces/default/lambda/functions');
    // The templates are read in their own thread: the event loop answers meanwhile.
    const started = performance.now();
    expect((await server.api('/api/health')).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(500);
    const list = (await (await listing).json()) as LambdaFunctionList;
    expect(list.functions.map((f) => f.name)).toEqual(['Fine']);
    expect(list.problems).toEqual([
      expect.objectContaining({ file: 'bomb/template.yaml', message: expect.stringMatching(/evaluating it/) }),
    ]);
  });
});

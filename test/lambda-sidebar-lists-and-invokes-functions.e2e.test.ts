import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CreatedShare } from '../shared/api.js';
import { consoleErrors, launchBrowser, openIde, screenshotOnFailure } from './helpers/browser.js';
import { useServerAwsConfig, writeFiles } from './helpers/lambda.js';
import { IdePage } from './helpers/ide.js';
import { startTestServer, type TestServer } from './helpers/server.js';

let server: TestServer;
let browser: Browser;
let page: Page;
let readOnlyPage: Page | undefined;
let root: string;
screenshotOnFailure(() => [page, readOnlyPage]);

let aws: { restore(): void } | undefined;
beforeAll(async () => {
  // The server's AWS configuration has one profile the owner can give functions.
  aws = useServerAwsConfig('[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = not-a-real-secret-0123\n');
  server = await startTestServer();
  root = server.workspaces.rootOf('default');
  writeFiles(root, {
    'hello/template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  HelloFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      MemorySize: 256
`,
    'hello/src/app.js': `exports.handler = async (event) => { console.log('greeting', event.name); return { message: 'Hello ' + event.name }; };`,
  });
  browser = await launchBrowser();
  page = await openIde(browser, server);
});
afterAll(async () => {
  aws?.restore();
  await browser?.close();
  await server?.stop();
});

const fn = (name: string): string => `.nb-lambda-function[data-function="${name}"]`;
/** In the run view shown in the editor area (other functions' run views may be open in hidden tabs). */
const run = (selector: string): string => `.nb-lambda-run:not([hidden]) ${selector}`;
/** Invokes from the run view shown and waits for the run to end: its response (for expect.poll while a change lands). */
const invokeForResponse = async (): Promise<string | null> => {
  await page.click(run('.lambda-invoke'));
  await page.waitForSelector(run('.lambda-invoke:not([disabled])'));
  return page.textContent(run('.nb-lambda-response'));
};

describe('the Lambda sidebar lists the workspace functions and runs them', () => {
  it('lists the functions of the templates', async () => {
    await page.click('.nb-activity-button[data-view="lambda"]');
    await page.waitForSelector(fn('HelloFunction'));
    expect(await page.textContent(fn('HelloFunction'))).toMatch(/nodejs20\.x · 256 MB · 3 s/);
  });

  it('invokes a function with a JSON event and shows the response, the log, duration and memory', async () => {
    await page.click(fn('HelloFunction'));
    await page.fill(run('.nb-lambda-payload'), '{ "name": "Nimbus" }');
    await page.click(run('.lambda-invoke'));
    await page.waitForSelector(run('.nb-lambda-status.nb-succeeded'), { timeout: 15_000 });
    expect(JSON.parse((await page.textContent(run('.nb-lambda-response'))) as string)).toEqual({ message: 'Hello Nimbus' });
    const log = (await page.textContent(run('.nb-lambda-log'))) as string;
    expect(log).toMatch(/START RequestId: [0-9a-f-]{36} Version: \$LATEST/);
    expect(log).toMatch(/INFO\tgreeting Nimbus/);
    expect(log).toMatch(/REPORT RequestId: .*Init Duration/);
    expect(await page.textContent(run('.nb-lambda-figures'))).toMatch(
      /Duration [\d.]+ ms · Billed \d+ ms · Memory \d+\/256 MB · Init [\d.]+ ms/,
    );
    await page.waitForSelector(`${fn('HelloFunction')} .nb-lambda-warm`);
  });

  it('Ctrl+Enter in the event invokes; the palette’s Lambda: Invoke Function… picks a function and runs it', async () => {
    expect(await page.getAttribute(run('.lambda-invoke'), 'title')).toBe('Invoke (Ctrl+Enter)');
    await page.fill(run('.nb-lambda-payload'), '{ "name": "keys" }');
    await page.focus(run('.nb-lambda-payload'));
    await page.keyboard.press('Control+Enter');
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('Hello keys');
    await page.fill(run('.nb-lambda-payload'), '{ "name": "palette" }');
    await page.click('.nb-lambda-summary'); // the focus leaves the event editor
    await new IdePage(page).runCommand('Lambda: Invoke Function…');
    await expect.poll(() => page.locator('.nb-quick-item').allTextContents()).toEqual([expect.stringContaining('HelloFunction')]);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('Hello palette');
  });

  it('refuses an event that is not JSON before sending it', async () => {
    await page.fill(run('.nb-lambda-payload'), '{ nope');
    await page.click(run('.lambda-invoke'));
    await expect.poll(() => page.textContent(run('.nb-lambda-payload-error'))).toMatch(/Not JSON/);
    // A list reload (file events, invocations) keeps the message and the typed text.
    await page.click('.nb-lambda-refresh');
    await expect.poll(() => page.inputValue(run('.nb-lambda-payload'))).toBe('{ nope');
    expect(await page.textContent(run('.nb-lambda-payload-error'))).toMatch(/Not JSON/);
  });

  it('shows a function error with its type', async () => {
    fs.writeFileSync(path.join(root, 'hello/src/app.js'), `exports.handler = async () => { throw new RangeError('out of range'); };`);
    // The code change retires the warm environment; the next invocation runs the new code.
    await expect
      .poll(
        async () => {
          await page.fill(run('.nb-lambda-payload'), '{}');
          await page.click(run('.lambda-invoke'));
          await page.waitForSelector(run('.lambda-invoke:not([disabled])'));
          return page.textContent(run('.nb-lambda-status'));
        },
        { timeout: 15_000 },
      )
      .toMatch(/Failed: RangeError/);
    expect(await page.textContent(run('.nb-lambda-response'))).toContain('out of range');
  });

  it('shows template problems with file and line, live, and a badge', async () => {
    writeFiles(root, {
      'broken/template.yaml':
        'Resources:\n  Bad:\n    Type: AWS::Serverless::Function\n    Properties: { Handler: x.y, Runtime: cobol, InlineCode: x }\n' +
        '  ImageFn:\n    Type: AWS::Serverless::Function\n    Properties: { PackageType: Image, ImageUri: repo/app:latest }\n',
    });
    await page.waitForSelector('.nb-lambda-problem[data-file="broken/template.yaml"]', { timeout: 15_000 });
    expect(await page.textContent('.nb-lambda-problem')).toMatch(/broken\/template\.yaml:2:3.*Runtime cobol is not supported/);
    expect(await page.textContent('.nb-activity-button[data-view="lambda"] .nb-badge')).toBe('1');
    // A function that cannot run here is listed with the others, with why (and is not a problem to fix).
    await page.waitForSelector('.nb-lambda-unavailable[data-function="ImageFn"]');
    expect(await page.textContent('.nb-lambda-unavailable[data-function="ImageFn"]')).toMatch(
      /not runnable here.*container image function \(PackageType: Image\).*broken\/template\.yaml:5/,
    );
    expect(consoleErrors.get(page)).toEqual([]);
  });

  it('asks for a parameter without a value, keeps it in the workspace settings, and the function then runs with it', async () => {
    writeFiles(root, {
      'params/template.yaml': `Parameters:
  Greeting:
    Type: String
Resources:
  ParamFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: "exports.handler = async () => process.env.GREETING;"
      Environment:
        Variables:
          GREETING: !Ref Greeting
`,
    });
    const problem = '.nb-lambda-problem[data-parameter="Greeting"]';
    await page.waitForSelector(problem, { timeout: 15_000 });
    expect(await page.textContent(problem)).toMatch(/params\/template\.yaml:2:3.*parameter Greeting has no Default/);
    // The empty value the missing parameter leaves is flagged on the function.
    await page.click(fn('ParamFunction'));
    await expect
      .poll(() => page.textContent(run('.nb-lambda-warnings')))
      .toMatch(/GREETING: !Ref Greeting \(parameter Greeting has no value/);
    await page.fill(`${problem} .nb-lambda-parameter-input`, 'hi from the sidebar');
    await page.click(`${problem} .nb-lambda-parameter-save`);
    await page.waitForSelector(problem, { state: 'detached', timeout: 15_000 });
    const settings = JSON.parse(fs.readFileSync(path.join(root, '.nimbus/settings.json'), 'utf8')) as Record<string, unknown>;
    expect(settings['lambda.parameterOverrides']).toEqual(['Greeting=hi from the sidebar']);
    await page.click(fn('ParamFunction'));
    await page.click(run('.lambda-invoke'));
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('"hi from the sidebar"');

    // The run view shows the template's parameters: one can be changed (for everyone) and reset.
    const param = run('.nb-lambda-param[data-parameter="Greeting"]');
    await page.click(run('.nb-lambda-params summary'));
    expect(await page.inputValue(`${param} .nb-lambda-param-value`)).toBe('hi from the sidebar');
    expect(await page.textContent(`${param} .nb-lambda-param-from`)).toBe('String · workspace override');
    await page.fill(`${param} .nb-lambda-param-value`, 'changed in the run view');
    await page.click(`${param} .nb-lambda-param-set`);
    await expect.poll(invokeForResponse, { timeout: 15_000 }).toContain('"changed in the run view"');
    await page.click(`${param} .nb-lambda-param-reset`);
    await page.waitForSelector('.nb-lambda-problem[data-parameter="Greeting"]', { timeout: 15_000 });
    expect(JSON.parse(fs.readFileSync(path.join(root, '.nimbus/settings.json'), 'utf8'))['lambda.parameterOverrides']).toEqual([]);
    fs.rmSync(path.join(root, 'params'), { recursive: true });
    await page.waitForSelector(fn('ParamFunction'), { state: 'detached', timeout: 15_000 });
  });

  it('the owner chooses which AWS profile functions run with', async () => {
    await page.click('.nb-lambda-credentials summary');
    await expect
      .poll(() => page.locator('.nb-lambda-credentials-profile option').allTextContents())
      .toEqual(['None: functions get no AWS credentials', 'Profile default', 'Profile dev']);
    await page.selectOption('.nb-lambda-credentials-profile', 'dev');
    await page.click('.nb-lambda-credentials-save');
    await expect.poll(() => page.textContent('.nb-lambda-credentials-message')).toBe('Saved.');
    expect(await page.textContent('.nb-lambda-credentials summary')).toBe('AWS credentials: profile dev');
    const view = (await (await server.api('/api/workspaces/default/lambda/credentials')).json()) as { choice: unknown };
    expect(view.choice).toEqual({ profile: 'dev', forShares: false });
  });

  it('runs in the editor area with a sample event; a saved event is shared in the workspace and picked again after a reload', async () => {
    fs.writeFileSync(
      path.join(root, 'hello/src/app.js'),
      `exports.handler = async (event) => ({ records: event.Records.length, source: event.Records[0].eventSource });`,
    );
    // The name card (asked once, at the top right) would cover the run view's Save button.
    if (await page.locator('.nb-name-card').count()) await page.click('.nb-name-card >> text=Later');
    await page.click(fn('HelloFunction'));
    await page.waitForSelector('.nb-tab.nb-active[data-path="lambda-run:HelloFunction"]');
    await page.selectOption(run('.nb-lambda-event-select'), 'sample:sqs-receive-message');
    await expect.poll(() => page.inputValue(run('.nb-lambda-payload'))).toContain('"eventSource": "aws:sqs"');
    await page.fill(run('.nb-lambda-event-name'), 'one-message');
    await page.click(run('.nb-lambda-event-save'));
    await expect.poll(() => page.textContent(run('.nb-lambda-event-message'))).toBe('Saved.');
    const saved = JSON.parse(fs.readFileSync(path.join(root, '.nimbus/events/HelloFunction/one-message.json'), 'utf8')) as {
      Records: { eventSource: string }[];
    };
    expect(saved.Records[0]?.eventSource).toBe('aws:sqs');
    await expect.poll(invokeForResponse, { timeout: 15_000 }).toContain('"source": "aws:sqs"');
    expect(await page.textContent(run('.nb-lambda-figures'))).toMatch(
      /Duration [\d.]+ ms · Billed \d+ ms · Memory \d+\/256 MB · (warm|Init [\d.]+ ms \(cold start\))/,
    );

    // After a reload the run view comes back with the layout, the saved event picked again.
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });
    await page.waitForSelector(run('.nb-lambda-payload'), { timeout: 15_000 });
    await expect.poll(() => page.inputValue(run('.nb-lambda-event-select'))).toBe('saved:one-message');
    await expect.poll(() => page.inputValue(run('.nb-lambda-payload'))).toContain('"eventSource": "aws:sqs"');
    await page.click('.nb-activity-button[data-view="lambda"]');
    await page.waitForSelector(fn('HelloFunction'));
  });

  it("a run shows up at once in a collaborator's run history, with who ran it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const other = await openIde(browser, server, { context });
    try {
      if (await other.locator('.nb-name-card').count()) await other.click('.nb-name-card >> text=Later');
      await other.click('.nb-activity-button[data-view="lambda"]');
      await other.click(fn('HelloFunction'));
      await other.waitForSelector(run('.nb-lambda-history-item'));
      const before = await other
        .locator(run('.nb-lambda-history-item'))
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-request')));
      await page.click(fn('HelloFunction'));
      await page.click(run('.lambda-invoke'));
      await expect
        .poll(
          async () => {
            const first = other.locator(run('.nb-lambda-history-item')).first();
            return before.includes(await first.getAttribute('data-request')) ? undefined : await first.textContent();
          },
          { timeout: 15_000 },
        )
        .toMatch(/Succeeded.*\(owner\)/);
      // Picking a run shows its event and result.
      await other.click(`${run('.nb-lambda-history-item')} >> nth=0`);
      await expect.poll(() => other.inputValue(run('.nb-lambda-payload'))).toContain('aws:sqs');
      expect(await other.textContent(run('.nb-lambda-status'))).toMatch(/Succeeded/);
    } finally {
      await context.close();
    }
  });

  it('sets environment variables for the next runs, and saves them in .nimbus/env.json for everyone', async () => {
    fs.writeFileSync(path.join(root, 'hello/src/app.js'), `exports.handler = async () => ({ myVar: process.env.MY_VAR ?? null });`);
    await page.click(fn('HelloFunction'));
    await page.click(run('.nb-lambda-env summary'));
    await page.click(run('.nb-lambda-env-add'));
    await page.fill(run('.nb-lambda-env-key'), 'MY_VAR');
    await page.fill(run('.nb-lambda-env-value'), 'from-the-ui');
    await page.click(run('.nb-lambda-env-use'));
    await expect.poll(invokeForResponse, { timeout: 15_000 }).toContain('"myVar": "from-the-ui"');
    await page.click(run('.nb-lambda-env-save'));
    await expect.poll(() => page.textContent(run('.nb-lambda-env-message'))).toMatch(/Saved in \.nimbus\/env\.json/);
    expect(JSON.parse(fs.readFileSync(path.join(root, '.nimbus/env.json'), 'utf8'))).toEqual({ HelloFunction: { MY_VAR: 'from-the-ui' } });
    // The function's own variables now list it (the templates are read again).
    await expect.poll(() => page.textContent(run('.nb-lambda-env-current')), { timeout: 15_000 }).toContain('MY_VAR = from-the-ui');
  });

  it('creates a function from a blueprint: its handler and run view open, with a sample event that runs', async () => {
    await page.click('.nb-lambda-new summary');
    await page.selectOption('.nb-lambda-new-blueprint', 'sqs');
    await page.selectOption('.nb-lambda-new-runtime', 'python3.12');
    await page.fill('.nb-lambda-new-name', 'Orders');
    await page.click('.nb-lambda-new-create');
    // The handler in front, the run view beside it.
    await page.waitForSelector('.nb-tab.nb-active[data-path="Orders/app.py"]', { timeout: 15_000 });
    await page.click('.nb-tab[data-path="lambda-run:Orders"]');
    await expect.poll(() => page.inputValue(run('.nb-lambda-payload'))).toContain('"eventSource": "aws:sqs"');
    await page.click(run('.lambda-invoke'));
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('"batchItemFailures": []');
    expect(fs.readFileSync(path.join(root, 'template.yaml'), 'utf8')).toMatch(/ {2}Orders:\n {4}Type: AWS::Serverless::Function/);
  });

  it('shows the log live while the function runs', async () => {
    fs.rmSync(path.join(root, 'hello/src/gate'), { force: true });
    fs.writeFileSync(
      path.join(root, 'hello/src/app.js'),
      `exports.handler = async () => { console.log('step one'); while (!require('fs').existsSync(__dirname + '/gate')) await new Promise((r) => setTimeout(r, 20)); return 'opened'; };`,
    );
    await page.click(fn('HelloFunction'));
    // The code change is noticed (the warm environment retired) before this run starts: wait for the list to say so.
    await expect.poll(() => page.locator(`${fn('HelloFunction')} .nb-lambda-warm`).count(), { timeout: 15_000 }).toBe(0);
    await page.click(run('.lambda-invoke'));
    await expect.poll(() => page.textContent(run('.nb-lambda-log-live')), { timeout: 15_000 }).toContain('step one');
    fs.writeFileSync(path.join(root, 'hello/src/gate'), '');
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('"opened"');
  });

  it('lists the HTTP APIs with their URLs: one opens in a new tab, sandboxed; the owner can make an API public', async () => {
    writeFiles(root, {
      'web/template.yaml': `Transform: AWS::Serverless-2016-10-31
Resources:
  WebFunction:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src
      Handler: app.handler
      Runtime: nodejs20.x
      Events:
        Hi: { Type: HttpApi, Properties: { Path: /hi, Method: get } }
`,
      'web/src/app.js': `exports.handler = async (event) => ({ statusCode: 200, headers: { 'content-type': 'text/html' }, body: '<h1 id="greet">Hello from ' + event.requestContext.http.path + '</h1>' });`,
    });
    const route = '.nb-lambda-route[data-route="GET /hi"]';
    await page.waitForSelector(route, { timeout: 15_000 });
    expect(await page.textContent(`${route} .nb-lambda-route-fn`)).toContain('WebFunction');
    const [tab] = await Promise.all([page.context().waitForEvent('page'), page.click(`${route} a`)]);
    await tab.waitForSelector('#greet', { timeout: 15_000 });
    expect(await tab.textContent('#greet')).toBe('Hello from /hi');
    // The function's page is an opaque origin: it cannot use the owner's session against the IDE's API.
    const reach = await tab.evaluate(async () => {
      try {
        const r = await fetch('/api/workspaces/default/lambda/functions', { credentials: 'include' });
        return r.status;
      } catch {
        return 'blocked';
      }
    });
    expect(reach).not.toBe(200);
    await tab.close();

    const url = `${server.url}/api-gw/default/$default/hi`;
    expect((await fetch(url)).status).toBe(403);
    await page.check('.nb-lambda-api[data-api="web/template.yaml#ServerlessHttpApi"] .nb-lambda-api-public');
    await expect.poll(async () => (await fetch(url)).status).toBe(200);
    await page.uncheck('.nb-lambda-api[data-api="web/template.yaml#ServerlessHttpApi"] .nb-lambda-api-public');
    await expect.poll(async () => (await fetch(url)).status).toBe(403);
  });

  it('a read-only share sees the functions but cannot run them', async () => {
    const res = await server.api('/api/workspaces/default/shares', { method: 'POST', body: JSON.stringify({ role: 'read' }) });
    const share = (await res.json()) as CreatedShare;
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    readOnlyPage = await openIde(browser, server, { token: share.token, workspace: 'default', context });
    await readOnlyPage.click('.nb-activity-button[data-view="lambda"]');
    await readOnlyPage.click(fn('HelloFunction'));
    expect(await readOnlyPage.isDisabled(run('.lambda-invoke'))).toBe(true);
    // The credentials are the owner's business alone, and a read link cannot sign for the Lambda API.
    expect(await readOnlyPage.locator('.nb-lambda-credentials').count()).toBe(0);
    expect(await readOnlyPage.locator('.nb-lambda-endpoint').count()).toBe(0);
    expect(await page.textContent('.nb-lambda-endpoint-url')).toBe(`${server.url}/lambda/default`);
    const refused = await readOnlyPage.evaluate(async () => {
      const r = await fetch('/api/workspaces/default/lambda/functions/HelloFunction/invoke', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"payload":"{}"}',
      });
      return r.status;
    });
    expect(refused).toBe(403);

    // The owner's run shows up live in the collaborator's run view, with who started it, until it ends.
    fs.rmSync(path.join(root, 'hello/src/gate'), { force: true });
    await page.click(fn('HelloFunction'));
    await page.click(run('.lambda-invoke'));
    await expect
      .poll(() => readOnlyPage?.textContent(run('.nb-lambda-others-status')), { timeout: 15_000 })
      .toMatch(/Running, started by .+ \(owner\)/);
    await expect.poll(() => readOnlyPage?.textContent(run('.nb-lambda-others-log')), { timeout: 15_000 }).toContain('step one');
    fs.writeFileSync(path.join(root, 'hello/src/gate'), '');
    await expect.poll(() => page.textContent(run('.nb-lambda-response')), { timeout: 15_000 }).toContain('"opened"');
    await expect.poll(() => readOnlyPage?.locator(run('.nb-lambda-others-run')).count(), { timeout: 15_000 }).toBe(0);
  });
});

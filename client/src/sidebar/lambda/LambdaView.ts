import './lambda.css';
import type {
  LambdaCredentialsView,
  LambdaFunctionList,
  LambdaFunctionSummary,
  LambdaHttpRoute,
  TemplateProblem,
} from '../../../../shared/lambda.js';
import type { Api } from '../../net/api.js';
import { errorMessage } from '../../ui/toast.js';
import { h, icon } from '../../ui/dom.js';
import { RemoteSection } from './RemoteSection.js';
import { Runs, RunView } from './RunView.js';
import { SAMPLE_EVENTS } from './samples.js';
import { withBase } from '../../net/basePath.js';

export interface LambdaViewOptions {
  api: Api;
  workspaceId: string;
  canInvoke: boolean;
  /** The workspace's owner: chooses which of the server's AWS credentials functions get. */
  isOwner: boolean;
  openFile(path: string): void;
  /** Told how many templates or functions have problems (the activity bar badge). */
  problemCount(n: number): void;
  /** The key of the invoke command, for the button's tooltip (the label comes from the keybindings). */
  invokeKeyLabel(): string | undefined;
  /** Gives a template parameter a value (kept in the workspace's settings, shared with collaborators), or removes it. */
  setParameter(name: string, value: string | undefined): Promise<void>;
  /** Opens a function's run view in the editor area (resolves once it shows). */
  openRun(name: string): Promise<void>;
  /** The person's name (the run history says who ran what). */
  userName(): string;
}

const base = (workspaceId: string): string => `/api/workspaces/${encodeURIComponent(workspaceId)}/lambda`;

const invokeTitle = (key: string | undefined): string => (key ? `Invoke (${key})` : 'Invoke');

/**
 * The Lambda sidebar: the workspace's functions (and what is wrong with its templates) and their HTTP
 * APIs. Selecting a function opens its run view in the editor area (see RunView).
 */
export class LambdaView {
  readonly el = h('div.nb-lambda-view');
  private readonly summary = h('div.nb-lambda-summary');
  private readonly problems = h('ul.nb-lambda-problems', { 'aria-label': 'Template problems' });
  private readonly list = h('ul.nb-lambda-functions', { role: 'listbox', 'aria-label': 'Functions' });
  /** Every HTTP route of the functions, by API, with its URL on this server. */
  private readonly apis = h('section.nb-lambda-apis', { 'aria-label': 'HTTP APIs' });
  private apisKey: string | undefined;
  private functions: LambdaFunctionSummary[] = [];
  private selected: string | undefined;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  /** Events, results and the open run views of every function. */
  readonly runs: Runs;
  private readonly runViews = new Set<RunView>();

  constructor(private readonly opts: LambdaViewOptions) {
    const refresh = h('button.nb-lambda-refresh', { title: 'Reload functions', 'aria-label': 'Reload functions' }, icon('refresh'));
    refresh.addEventListener('click', () => void this.load());
    this.el.append(h('div.nb-lambda-toolbar', {}, this.summary, refresh));
    if (opts.canInvoke) this.el.append(this.endpoint());
    if (opts.canInvoke) this.el.append(this.newFunctionForm());
    this.el.append(this.problems, this.list, this.apis);
    this.runs = new Runs({
      api: opts.api,
      workspaceId: opts.workspaceId,
      canInvoke: opts.canInvoke,
      region: 'us-east-1',
      accountId: '000000000000',
      openFile: (path) => opts.openFile(path),
      invoked: () => void this.load(),
      invokeTitle: () => invokeTitle(opts.invokeKeyLabel()),
      userName: () => opts.userName(),
      setParameter: (name, value) => opts.setParameter(name, value),
    });
    if (opts.isOwner) {
      this.remote = new RemoteSection({
        api: opts.api,
        workspaceId: opts.workspaceId,
        region: () => this.runs.opts.region,
        profiles: async () => (await opts.api.get<LambdaCredentialsView>(`${base(opts.workspaceId)}/credentials`)).profiles,
        imported: async (done) => {
          await this.load();
          await this.select(done.name);
          if (done.handler) opts.openFile(done.handler);
        },
      });
      this.el.append(this.remote.el, this.credentials);
    }
  }

  /** Owner only: importing deployed functions (see RemoteSection). */
  readonly remote: RemoteSection | undefined;

  /** Opens the Remote section and puts the cursor in its first field. */
  showRemote(): void {
    if (!this.remote) return;
    this.remote.el.open = true;
    this.remote.el.querySelector<HTMLInputElement>('.nb-lambda-remote-region')?.focus();
  }

  /**
   * The workspace's AWS Lambda-compatible API, for the AWS CLI and SDKs (`--endpoint-url`): its URL on this
   * server, base path included, with a copy button. Signing needs the workspace id and a token that may run
   * functions, so read-only links do not see it.
   */
  private endpoint(): HTMLElement {
    const url = `${location.origin}${withBase(`/lambda/${encodeURIComponent(this.opts.workspaceId)}`)}`;
    const copy = h(
      'button.nb-lambda-endpoint-copy',
      { type: 'button', title: 'Copy the endpoint URL', 'aria-label': 'Copy the endpoint URL' },
      icon('copy'),
    );
    copy.addEventListener('click', () => {
      void navigator.clipboard?.writeText(url).then(
        () => (copy.title = 'Copied'),
        () => (copy.title = 'Could not copy: select the URL instead'),
      );
    });
    return h(
      'div.nb-lambda-endpoint',
      {
        title: `aws lambda invoke --endpoint-url ${url} --function-name <name> out.json\n(access key id: ${this.opts.workspaceId}; secret access key: your token or a write link's token)`,
      },
      h('span.nb-lambda-endpoint-label', {}, 'Lambda API'),
      h('code.nb-lambda-endpoint-url', {}, url),
      copy,
    );
  }

  /** Opens (and focuses) the New function form. */
  showNewFunction(): void {
    const form = this.el.querySelector<HTMLDetailsElement>('.nb-lambda-new');
    if (!form) return;
    form.open = true;
    form.querySelector<HTMLInputElement>('.nb-lambda-new-name')?.focus();
  }

  /**
   * New function: a blueprint (hello, HTTP API route, S3 notifications, SQS batch with partial failures)
   * in Node.js or Python, made into code, a resource of template.yaml and a sample event; then its handler
   * and its run view open.
   */
  private newFunctionForm(): HTMLElement {
    const blueprint = h(
      'select.nb-lambda-input.nb-lambda-new-blueprint',
      { 'aria-label': 'Blueprint' },
      h('option', { value: 'hello' }, 'Hello world'),
      h('option', { value: 'http' }, 'HTTP API handler'),
      h('option', { value: 's3' }, 'S3 event handler'),
      h('option', { value: 'sqs' }, 'SQS batch handler (partial failures)'),
    );
    const runtime = h(
      'select.nb-lambda-input.nb-lambda-new-runtime',
      { 'aria-label': 'Runtime' },
      h('option', { value: 'nodejs22.x' }, 'Node.js 22'),
      h('option', { value: 'nodejs20.x' }, 'Node.js 20'),
      h('option', { value: 'python3.13' }, 'Python 3.13'),
      h('option', { value: 'python3.12' }, 'Python 3.12'),
    );
    const name = h('input.nb-lambda-input.nb-lambda-new-name', {
      type: 'text',
      placeholder: 'Name (letters and digits)',
      'aria-label': 'Function name',
      spellcheck: 'false',
    });
    const create = h('button.nb-primary.nb-lambda-new-create', { type: 'submit' }, 'Create');
    const message = h('p.nb-lambda-new-message', { role: 'status' });
    const form = h('form', {}, blueprint, runtime, name, create, message);
    const SAMPLE_OF: Record<string, string | undefined> = { http: 'apigateway-http-api-proxy', s3: 's3-put', sqs: 'sqs-receive-message' };
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const fn = name.value.trim();
      message.textContent = '';
      if (!/^[A-Za-z][A-Za-z0-9]{0,63}$/.test(fn))
        return void (message.textContent = 'A name of letters and digits, starting with a letter.');
      create.disabled = true;
      void (async () => {
        try {
          const sample = SAMPLE_EVENTS.find((x) => x.id === SAMPLE_OF[blueprint.value]);
          const event = sample
            ? JSON.stringify(
                await sample.build({ region: this.runs.opts.region, accountId: this.runs.opts.accountId, functionName: fn }),
                null,
                2,
              )
            : '{\n  "key": "value"\n}';
          const made = await this.opts.api.post<{ handler: string }>(`${base(this.opts.workspaceId)}/functions`, {
            name: fn,
            runtime: runtime.value,
            blueprint: blueprint.value,
            event,
          });
          this.runs.setLastUsed(fn, 'saved:sample');
          name.value = '';
          message.textContent = `Created ${fn}.`;
          await this.load();
          // Its run view (with the sample event) beside, its handler in front.
          await this.select(fn);
          this.opts.openFile(made.handler);
        } catch (err) {
          message.textContent = `Not created: ${errorMessage(err)}`;
        } finally {
          create.disabled = false;
        }
      })();
    });
    return h('details.nb-lambda-new', {}, h('summary', {}, 'New function…'), form);
  }

  /** Owner only: which of the server's AWS credentials (a profile) functions run with, and for whom. */
  private readonly credentials = h('details.nb-lambda-credentials');
  private credentialsLoaded = false;

  private async loadCredentials(): Promise<void> {
    const url = `${base(this.opts.workspaceId)}/credentials`;
    const view = await this.opts.api.get<LambdaCredentialsView>(url);
    const summary = h('summary', {}, `AWS credentials: ${view.choice ? `profile ${view.choice.profile}` : 'none'}`);
    const profile = h(
      'select.nb-lambda-credentials-profile',
      { 'aria-label': 'AWS profile for functions' },
      h('option', { value: '' }, 'None: functions get no AWS credentials'),
      ...view.profiles.map((p) => h('option', { value: p }, `Profile ${p}`)),
    );
    profile.value = view.choice?.profile ?? '';
    const shares = h('input.nb-lambda-credentials-shares', { type: 'checkbox' });
    shares.checked = view.choice?.forShares ?? false;
    const save = h('button.nb-lambda-credentials-save', { type: 'submit' }, 'Save');
    const message = h('p.nb-lambda-credentials-message', { role: 'status' });
    const form = h(
      'form',
      {},
      h(
        'p.nb-lambda-credentials-help',
        {},
        'Functions get the server’s credentials of this profile as AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, as a role’s on Lambda. They are masked in logs and never sent to a browser.',
      ),
      profile,
      h('label', {}, shares, ' Also when a share link’s user invokes a function'),
      save,
      message,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save.disabled = true;
      message.textContent = '';
      const choice = profile.value ? { profile: profile.value, forShares: shares.checked } : null;
      this.opts.api.put(url, { choice }).then(
        () => {
          save.disabled = false;
          summary.textContent = `AWS credentials: ${choice ? `profile ${choice.profile}` : 'none'}`;
          message.textContent = 'Saved.';
        },
        (err: unknown) => {
          save.disabled = false;
          message.textContent = `Not saved: ${errorMessage(err)}`;
        },
      );
    });
    this.credentials.replaceChildren(summary, form);
  }

  /** Re-reads the function list (coalesced: one more read if asked again meanwhile). */
  load(): Promise<void> {
    if (this.loading) {
      this.reloadAgain = true;
      return this.loading;
    }
    this.loading = (async () => {
      do {
        this.reloadAgain = false;
        try {
          const data = await this.opts.api.get<LambdaFunctionList>(`${base(this.opts.workspaceId)}/functions`);
          this.render(data);
        } catch (err) {
          this.summary.textContent = `Could not list functions: ${errorMessage(err)}`;
        }
      } while (this.reloadAgain);
    })().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private render(data: LambdaFunctionList): void {
    if (this.opts.isOwner && !this.credentialsLoaded) {
      this.credentialsLoaded = true;
      this.loadCredentials().catch((err: unknown) => {
        this.credentialsLoaded = false;
        this.credentials.replaceChildren(h('summary', {}, `AWS credentials: ${errorMessage(err)}`));
      });
    }
    this.functions = data.functions;
    this.runs.functions = new Map(data.functions.map((f) => [f.name, f]));
    this.runs.opts.region = data.region;
    this.runs.opts.accountId = data.accountId;
    const n = data.functions.length;
    this.summary.textContent = `${n} function${n === 1 ? '' : 's'} · concurrency ${data.concurrency.limit} (${data.concurrency.unreserved} unreserved)`;
    // Rebuilt only when they changed: a reload must not take a parameter's field away from someone typing in it.
    // Functions that cannot run here (container images, code in S3) are listed with the functions, not as problems.
    const problems = data.problems.filter((p) => !p.unavailable);
    const unavailable = data.problems.filter((p) => p.unavailable);
    const problemsKey = JSON.stringify(problems);
    if (problemsKey !== this.problemsKey) {
      this.problemsKey = problemsKey;
      this.problems.replaceChildren(...problems.map((p) => this.problemItem(p)));
    }
    // The badge counts what needs someone: what was left out, and parameters without a value.
    this.opts.problemCount(problems.filter((p) => p.severity !== 'warning' || p.parameter).length);
    if (n === 0 && unavailable.length === 0) {
      this.list.replaceChildren(h('li.nb-lambda-empty', {}, 'No functions yet: add a template.yaml with an AWS::Serverless::Function.'));
    } else {
      this.list.replaceChildren(...data.functions.map((f) => this.functionItem(f)), ...unavailable.map((p) => this.unavailableItem(p)));
    }
    const apisKey = JSON.stringify(data.functions.map((f) => [f.name, f.routes]));
    if (apisKey !== this.apisKey) {
      this.apisKey = apisKey;
      this.renderApis(data.functions);
    }
    if (this.selected && !data.functions.some((f) => f.name === this.selected)) this.selected = undefined;
    // The run views' heads follow the configuration (never their event editors: someone may be typing);
    // their histories show runs anyone made since.
    for (const view of this.runViews) {
      view.renderHead();
      void view.refreshHistory();
    }
  }

  private problemsKey: string | undefined;

  private problemItem(p: TemplateProblem): HTMLElement {
    const where = `${p.file}${p.line ? `:${p.line}` : ''}${p.column ? `:${p.column}` : ''}`;
    const link = h('button.nb-lambda-link', { title: `Open ${p.file}` }, where);
    link.addEventListener('click', () => this.opts.openFile(p.file));
    const warning = p.severity === 'warning';
    const item = h(
      `li.nb-lambda-problem${warning ? '.nb-lambda-problem-warning' : ''}`,
      { 'data-file': p.file, ...(p.parameter ? { 'data-parameter': p.parameter } : {}) },
      icon(warning ? 'warning' : 'error'),
      link,
      h('span.nb-lambda-problem-message', {}, p.message),
    );
    if (p.parameter && this.opts.canInvoke) item.append(this.parameterForm(p.parameter));
    return item;
  }

  /** A value for a parameter without one: saved in the workspace's settings, then the templates are read again. */
  private parameterForm(name: string): HTMLElement {
    const input = h('input.nb-lambda-parameter-input', {
      type: 'text',
      'aria-label': `Value of ${name}`,
      placeholder: `${name} =`,
      spellcheck: 'false',
    });
    const save = h('button.nb-lambda-parameter-save', { type: 'submit' }, 'Set');
    const message = h('span.nb-lambda-parameter-message', { role: 'status' });
    const form = h('form.nb-lambda-parameter', {}, input, save, message);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      save.disabled = true;
      message.textContent = '';
      this.opts.setParameter(name, input.value).then(
        () => {
          message.textContent = 'Saved: reading the templates again…';
        },
        (err: unknown) => {
          save.disabled = false;
          message.textContent = `Not saved: ${errorMessage(err)}`;
        },
      );
    });
    return form;
  }

  private functionItem(f: LambdaFunctionSummary): HTMLElement {
    const meta = [f.runtime, `${f.memorySize} MB`, `${f.timeout} s`];
    if (f.reservedConcurrency !== undefined) meta.push(`reserved ${f.reservedConcurrency}`);
    const warm =
      f.environments > 0
        ? h('span.nb-lambda-warm', { title: `${f.environments} execution environment(s), ${f.busy} busy` }, `${f.environments} warm`)
        : undefined;
    const warn = f.warnings.length ? h('span.nb-lambda-warning', { title: f.warnings.join('\n') }, icon('warning')) : undefined;
    // A build under way (dependencies, esbuild, make), or the last one failed: its output in the tooltip.
    const build =
      f.build && f.build.state !== 'built'
        ? h(
            `span.nb-lambda-build.nb-lambda-build-${f.build.state}`,
            { title: f.build.log.slice(-2000) || 'Building…' },
            f.build.state === 'building' ? 'building…' : 'build failed',
          )
        : undefined;
    const item = h(
      'li.nb-lambda-function',
      { role: 'option', 'data-function': f.name, 'aria-selected': String(f.name === this.selected), tabindex: '0' },
      h('div.nb-lambda-function-name', {}, icon('zap'), h('span', {}, f.name), warn, build, warm),
      h('div.nb-lambda-function-meta', {}, meta.join(' · ')),
    );
    const select = (): void => void this.select(f.name);
    item.addEventListener('click', select);
    item.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') select();
    });
    return item;
  }

  /**
   * The local HTTP APIs: per API (its kind, stage and template), its routes with their URLs (opened in a
   * new tab) and the function each one calls; the owner may open an API to anyone.
   */
  private renderApis(functions: LambdaFunctionSummary[]): void {
    const byApi = new Map<string, { api: LambdaHttpRoute['api']; public: boolean; routes: (LambdaHttpRoute & { fn: string })[] }>();
    for (const f of functions) {
      for (const r of f.routes) {
        const group = byApi.get(r.api.id) ?? { api: r.api, public: r.public, routes: [] };
        group.routes.push({ ...r, fn: f.name });
        byApi.set(r.api.id, group);
      }
    }
    if (byApi.size === 0) return void this.apis.replaceChildren();
    const kindName = { rest: 'REST API', http: 'HTTP API', url: 'Function URL' } as const;
    const groups = [...byApi.values()].map((g) => {
      const [template, logicalId] = g.api.id.split('#') as [string, string];
      const title =
        g.api.kind === 'url' ? `${kindName.url} of ${g.api.stage}` : `${kindName[g.api.kind]} ${logicalId} · stage ${g.api.stage}`;
      const head = h('div.nb-lambda-api-head', {}, h('strong', {}, title), h('span.nb-lambda-api-template', {}, template));
      if (this.opts.isOwner) {
        const toggle = h('input.nb-lambda-api-public', { type: 'checkbox', 'aria-label': `Public: anyone may call ${title}` });
        toggle.checked = g.public;
        toggle.addEventListener('change', () => {
          toggle.disabled = true;
          this.opts.api.put(`${base(this.opts.workspaceId)}/apis/public`, { apiId: g.api.id, public: toggle.checked }).then(
            () => {
              toggle.disabled = false;
            },
            (err: unknown) => {
              toggle.disabled = false;
              toggle.checked = !toggle.checked;
              head.title = `Not changed: ${errorMessage(err)}`;
            },
          );
        });
        head.append(
          h('label.nb-lambda-api-public-label', { title: 'Callable without signing in (a phone, a webhook)' }, toggle, ' Public'),
        );
      } else if (g.public) head.append(h('span.nb-lambda-api-badge', {}, 'public'));
      const routes = g.routes.map((r) => {
        const href = `${location.origin}${withBase(r.url)}`;
        const link = h(
          'a.nb-lambda-route-url',
          { href, target: '_blank', rel: 'noopener noreferrer', title: `Open ${href} in a new tab` },
          r.url,
        );
        return h(
          'li.nb-lambda-route',
          { 'data-route': `${r.method} ${r.path}`, ...(r.shadowedBy ? { title: `served by ${r.shadowedBy} instead` } : {}) },
          h('span.nb-lambda-route-method', {}, r.method),
          link,
          h('span.nb-lambda-route-fn', {}, `→ ${r.fn}`),
        );
      });
      return h('div.nb-lambda-api', { 'data-api': g.api.id }, head, h('ul.nb-lambda-routes', {}, ...routes));
    });
    this.apis.replaceChildren(h('div.nb-lambda-label', {}, 'HTTP APIs'), ...groups);
  }

  /** A function that cannot run here: its name, where it is defined, and why. */
  private unavailableItem(p: TemplateProblem): HTMLElement {
    const name = p.unavailable?.name ?? p.logicalId ?? '';
    const where = h('button.nb-lambda-link', { title: `Open ${p.file}` }, `${p.file}${p.line ? `:${p.line}` : ''}`);
    where.addEventListener('click', () => this.opts.openFile(p.file));
    return h(
      'li.nb-lambda-function.nb-lambda-unavailable',
      { 'data-function': name, 'aria-disabled': 'true' },
      h('div.nb-lambda-function-name', {}, icon('circle-slash'), h('span', {}, name), h('span.nb-lambda-build', {}, 'not runnable here')),
      h('div.nb-lambda-function-meta', {}, p.message.replace(/^[^:]*: /, ''), ' · ', where),
    );
  }

  /** The functions listed (after the first load). */
  get functionNames(): string[] {
    return this.functions.map((f) => f.name);
  }

  get selectedName(): string | undefined {
    return this.selected;
  }

  /** Selects a function and opens its run view (its event editor and last result) in the editor area. */
  async select(name: string): Promise<void> {
    this.selected = name;
    for (const el of this.list.querySelectorAll<HTMLElement>('.nb-lambda-function'))
      el.setAttribute('aria-selected', String(el.dataset.function === name));
    await this.opts.openRun(name);
  }

  /** Invokes the selected function with the event of its run view (nothing without one, or read-only). */
  invokeSelected(): Promise<void> {
    const view = [...this.runViews].find((v) => v.name === this.selected);
    if (view) return view.invoke();
    return this.selected ? this.runs.invoke(this.selected) : Promise.resolve();
  }

  /** Puts the cursor in the selected function's event editor. */
  focusEvent(): void {
    [...this.runViews].find((v) => v.name === this.selected)?.focus();
  }

  /** A run view for a tab of the editor area (`lambda-run:<name>`); the tab disposes it. */
  runView(name: string): { element: HTMLElement; focus(): void; dispose(): void } {
    const view = new RunView(this.runs, name);
    this.runViews.add(view);
    this.selected ??= name;
    return {
      element: view.element,
      focus: () => {
        this.selected = name;
        view.focus();
      },
      dispose: () => {
        this.runViews.delete(view);
        view.dispose();
      },
    };
  }
}

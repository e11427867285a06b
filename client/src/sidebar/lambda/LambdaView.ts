import './lambda.css';
import type {
  LambdaCredentialsView,
  LambdaFunctionList,
  LambdaFunctionSummary,
  LambdaHttpRoute,
  LambdaInvocation,
  TemplateProblem,
} from '../../../../shared/lambda.js';
import type { Api } from '../../net/api.js';
import { errorMessage } from '../../ui/toast.js';
import { h, icon } from '../../ui/dom.js';

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
  /** Gives a template parameter a value (kept in the workspace's settings, shared with collaborators). */
  setParameter(name: string, value: string): Promise<void>;
}

const base = (workspaceId: string): string => `/api/workspaces/${encodeURIComponent(workspaceId)}/lambda`;

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

const invokeTitle = (key: string | undefined): string => (key ? `Invoke (${key})` : 'Invoke');

/**
 * The Lambda sidebar: the workspace's functions (and what is wrong with its templates), a JSON payload
 * editor per function, and the last invocation's result, log, duration and memory.
 */
export class LambdaView {
  readonly el = h('div.nb-lambda-view');
  private readonly summary = h('div.nb-lambda-summary');
  private readonly problems = h('ul.nb-lambda-problems', { 'aria-label': 'Template problems' });
  private readonly list = h('ul.nb-lambda-functions', { role: 'listbox', 'aria-label': 'Functions' });
  private readonly detail = h('div.nb-lambda-detail');
  /** Every HTTP route of the functions, by API, with its URL on this server. */
  private readonly apis = h('section.nb-lambda-apis', { 'aria-label': 'HTTP APIs' });
  private apisKey: string | undefined;
  private functions: LambdaFunctionSummary[] = [];
  private selected: string | undefined;
  private loading: Promise<void> | undefined;
  private reloadAgain = false;
  private readonly payloads = new Map<string, string>();
  private readonly results = new Map<string, LambdaInvocation | { error: string }>();
  /** The detail shown: the selected function's event editor and its invoke. */
  private current: { name: string; editor: HTMLTextAreaElement; invoke(): Promise<void> } | undefined;

  constructor(private readonly opts: LambdaViewOptions) {
    const refresh = h('button.nb-lambda-refresh', { title: 'Reload functions', 'aria-label': 'Reload functions' }, icon('refresh'));
    refresh.addEventListener('click', () => void this.load());
    this.el.append(h('div.nb-lambda-toolbar', {}, this.summary, refresh), this.problems, this.list, this.apis, this.detail);
    if (opts.isOwner) this.el.append(this.credentials);
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
    // Rebuild the detail only when what it shows changed: a reload (after any invoke or file change) must not
    // take the event editor away from someone typing in it, nor clear its message.
    if (this.detailKeyOf(this.selected) !== this.detailKey) this.renderDetail();
  }

  private detailKey: string | undefined;
  private problemsKey: string | undefined;

  private detailKeyOf(name: string | undefined): string | undefined {
    const f = this.functions.find((x) => x.name === name);
    if (!f) return undefined;
    const { environments: _environments, busy: _busy, build: _build, ...config } = f;
    return JSON.stringify(config);
  }

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
    const select = (): void => this.select(f.name);
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
        const href = `${location.origin}${r.url}`;
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

  /** Selects a function and shows its event editor and last result. */
  select(name: string): void {
    this.selected = name;
    for (const el of this.list.querySelectorAll<HTMLElement>('.nb-lambda-function'))
      el.setAttribute('aria-selected', String(el.dataset.function === name));
    this.renderDetail();
  }

  /** Invokes the selected function with the event in its editor (does nothing without one, or read-only). */
  invokeSelected(): Promise<void> {
    return this.current?.invoke() ?? Promise.resolve();
  }

  /** Puts the cursor in the selected function's event editor. */
  focusEvent(): void {
    this.current?.editor.focus();
  }

  private renderDetail(): void {
    const f = this.functions.find((x) => x.name === this.selected);
    this.detailKey = this.detailKeyOf(this.selected);
    if (!f) {
      this.current = undefined;
      this.detail.replaceChildren();
      return;
    }
    const template = h('button.nb-lambda-link', { title: 'Open the template' }, `${f.template}:${f.line}`);
    template.addEventListener('click', () => this.opts.openFile(f.template));
    const editor = h('textarea.nb-lambda-payload', {
      spellcheck: 'false',
      'aria-label': `Event for ${f.name}`,
      rows: '6',
      // Ctrl/Cmd+Enter invokes through the "Invoke Function" command, bound while this has the focus.
      'data-nb-focus': 'lambdaEventFocus',
    });
    editor.value = this.payloads.get(f.name) ?? '{\n  \n}';
    const check = h('div.nb-lambda-payload-error', { role: 'alert' });
    const validate = (): boolean => {
      this.payloads.set(f.name, editor.value);
      try {
        if (editor.value.trim()) JSON.parse(editor.value);
        check.textContent = '';
        return true;
      } catch (err) {
        check.textContent = `Not JSON: ${errorMessage(err)}`;
        return false;
      }
    };
    editor.addEventListener('input', () => void validate());
    const run = h(
      'button.nb-primary.lambda-invoke',
      {
        disabled: !this.opts.canInvoke,
        title: this.opts.canInvoke ? invokeTitle(this.opts.invokeKeyLabel()) : 'Read-only: this share link cannot run functions',
      },
      'Invoke',
    );
    const result = h('div.lambda-result', { 'aria-live': 'polite' });
    const invoke = async (): Promise<void> => {
      if (!this.opts.canInvoke || run.disabled || !validate()) return;
      run.disabled = true;
      run.textContent = 'Running…';
      try {
        const inv = await this.opts.api.post<LambdaInvocation>(
          `${base(this.opts.workspaceId)}/functions/${encodeURIComponent(f.name)}/invoke`,
          { payload: editor.value },
        );
        this.results.set(f.name, inv);
      } catch (err) {
        this.results.set(f.name, { error: errorMessage(err) });
      } finally {
        run.disabled = false;
        run.textContent = 'Invoke';
      }
      this.renderResult(result, f.name);
      void this.load();
    };
    run.addEventListener('click', () => void invoke());
    this.current = { name: f.name, editor, invoke };
    const details = [
      `Handler ${f.handler || '(bootstrap)'}`,
      f.codeUri !== undefined ? `code ${f.codeUri || '.'}` : 'inline code',
      ...f.events.map((e) => `${e.type} event ${e.name}`),
    ];
    this.detail.replaceChildren(
      h('div.nb-lambda-detail-head', {}, h('strong', {}, f.name), template),
      h('div.nb-lambda-function-meta', {}, details.join(' · ')),
      ...(f.warnings.length ? [h('ul.nb-lambda-warnings', {}, ...f.warnings.map((w) => h('li', {}, w)))] : []),
      h('label.nb-lambda-label', {}, 'Event (JSON)'),
      editor,
      check,
      h('div.nb-lambda-actions', {}, run),
      result,
    );
    this.renderResult(result, f.name);
    if (this.payloads.has(f.name)) validate();
  }

  private renderResult(container: HTMLElement, name: string): void {
    const r = this.results.get(name);
    if (!r) return void container.replaceChildren();
    if ('error' in r) return void container.replaceChildren(h('div.nb-lambda-status.nb-failed', {}, icon('error'), r.error));
    const status = r.functionError
      ? h('div.nb-lambda-status.nb-failed', {}, icon('error'), `Failed: ${r.errorType ?? r.functionError}`)
      : h('div.nb-lambda-status.nb-succeeded', {}, icon('pass'), 'Succeeded');
    const figures = [
      `Duration ${r.durationMs.toFixed(2)} ms`,
      `Billed ${r.billedDurationMs} ms`,
      `Memory ${r.maxMemoryUsedMb}/${r.memorySizeMb} MB`,
    ];
    if (r.initDurationMs !== undefined) figures.push(`Init ${r.initDurationMs.toFixed(2)} ms`);
    container.replaceChildren(
      status,
      h('div.nb-lambda-figures', {}, figures.join(' · ')),
      h('label.nb-lambda-label', {}, 'Response'),
      h('pre.nb-lambda-response', {}, pretty(r.payload)),
      h('label.nb-lambda-label', {}, 'Log'),
      // Lambda turns newlines inside one log call into \r; show them as lines.
      h('pre.nb-lambda-log', {}, r.log.replace(/\r/g, '\n')),
    );
  }
}

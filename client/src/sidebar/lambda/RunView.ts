import {
  SECRET_NAME,
  type LambdaFunctionSummary,
  type LambdaInvocation,
  type LambdaRun,
  type TemplateParameterView,
} from '../../../../shared/lambda.js';
import { fileUrl, type Api } from '../../net/api.js';
import { Emitter } from '../../platform/event.js';
import { DisposableStore, listen } from '../../platform/lifecycle.js';
import { h, icon } from '../../ui/dom.js';
import { errorMessage } from '../../ui/toast.js';
import { SAMPLE_EVENTS } from './samples.js';

/** Where a function's saved test events live in the workspace (shared with collaborators, like the code). */
export const eventsDir = (functionName: string): string => `.nimbus/events/${functionName}`;
const EVENT_NAME = /^[\w.-]{1,64}$/;
const ENV_FILE = '.nimbus/env.json';
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
/** The function's variables as listed: secret-looking values as dots (the server masks them in logs too). */
const variableItems = (env: Record<string, string>): HTMLElement[] =>
  Object.entries(env).map(([k, v]) => h('li', {}, h('code', {}, k), ' = ', h('code', {}, SECRET_NAME.test(k) ? '••••••' : v)));

export type RunResult = LambdaInvocation | { error: string };

export interface RunsOptions {
  api: Api;
  workspaceId: string;
  canInvoke: boolean;
  /** The workspace's region and account (sample events' ARNs), known once the functions are listed. */
  region: string;
  accountId: string;
  openFile(path: string): void;
  /** After an invocation: the function list is read again (warm environments, recent runs). */
  invoked(): void;
  invokeTitle(): string;
  /** The person's name, shown in the run history. */
  userName(): string;
  /** Gives a template parameter a value for everyone (the workspace's `lambda.parameterOverrides`), or takes it away. */
  setParameter(name: string, value: string | undefined): Promise<void>;
}

const base = (workspaceId: string): string => `/api/workspaces/${encodeURIComponent(workspaceId)}/lambda`;

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * What every run view of a workspace shares: each function's event text (one per function, whichever
 * view edits it), its last result, and which event was used last (kept in the browser across reloads).
 */
export class Runs {
  private readonly payloads = new Map<string, string>();
  /** Variables each function's runs get over its own (this browser's, until saved to .nimbus/env.json). */
  readonly environments = new Map<string, Record<string, string>>();
  private readonly results = new Map<string, RunResult>();
  private readonly running = new Set<string>();
  /** The output of each function's run under way from this browser, as it comes. */
  private readonly live = new Map<string, { runId: string; text: string }>();
  private readonly changed = new Emitter<string>();
  /** A function's result or running state changed (its name). */
  readonly onDidChange = this.changed.event;
  functions = new Map<string, LambdaFunctionSummary>();

  constructor(readonly opts: RunsOptions) {}

  payloadOf(name: string): string | undefined {
    return this.payloads.get(name);
  }

  setPayload(name: string, text: string): void {
    this.payloads.set(name, text);
  }

  resultOf(name: string): RunResult | undefined {
    return this.results.get(name);
  }

  isRunning(name: string): boolean {
    return this.running.has(name);
  }

  private lastUsedKey = (name: string): string => `nimbus.lambda.lastEvent.${this.opts.workspaceId}.${name}`;

  /** `saved:<name>` or `sample:<id>`: what the event was last taken from. */
  lastUsed(name: string): string | undefined {
    try {
      return localStorage.getItem(this.lastUsedKey(name)) ?? undefined;
    } catch {
      return undefined;
    }
  }

  setLastUsed(name: string, source: string): void {
    try {
      localStorage.setItem(this.lastUsedKey(name), source);
    } catch {
      // storage full or disabled: only the selection after a reload is lost
    }
  }

  async invoke(name: string): Promise<void> {
    const payload = this.payloads.get(name) ?? '{}';
    if (!this.opts.canInvoke || this.running.has(name)) return;
    this.running.add(name);
    const runId = crypto.randomUUID();
    this.live.set(name, { runId, text: '' });
    this.changed.fire(name);
    try {
      const inv = await this.opts.api.post<LambdaInvocation>(
        `${base(this.opts.workspaceId)}/functions/${encodeURIComponent(name)}/invoke`,
        {
          payload: payload.trim() ? payload : '{}',
          by: this.opts.userName().slice(0, 40),
          runId,
          ...(Object.keys(this.environments.get(name) ?? {}).length ? { environment: this.environments.get(name) } : {}),
        },
      );
      this.results.set(name, inv);
    } catch (err) {
      this.results.set(name, { error: errorMessage(err) });
    } finally {
      this.running.delete(name);
      this.live.delete(name);
    }
    this.changed.fire(name);
    this.opts.invoked();
  }

  /** Runs of a function that collaborators started and that are under way: by run id, who and their output so far. */
  private readonly othersLive = new Map<string, Map<string, { by: string; text: string }>>();

  /**
   * What a run printed so far (the server sends it while the run goes on): this browser's own run, or a
   * collaborator's, shown live in the run view until it is done.
   */
  appendLog(name: string, runId: string, text: string, by?: string, done = false): void {
    const live = this.live.get(name);
    if (live?.runId === runId) {
      if (done) return;
      live.text = (live.text + text).slice(-256 * 1024);
      return void this.changed.fire(name);
    }
    const runs = this.othersLive.get(name) ?? new Map<string, { by: string; text: string }>();
    if (done) runs.delete(runId);
    else {
      const run = runs.get(runId) ?? { by: by ?? 'someone', text: '' };
      run.text = (run.text + text).slice(-64 * 1024);
      runs.set(runId, run);
      // A handful at once is plenty to watch; the oldest make way.
      while (runs.size > 4) runs.delete(runs.keys().next().value as string);
    }
    if (runs.size) this.othersLive.set(name, runs);
    else this.othersLive.delete(name);
    this.changed.fire(name);
  }

  /** After a reconnect: a collaborator's run may have ended unseen; what is under way shows again as it prints. */
  forgetOthersRuns(): void {
    const names = [...this.othersLive.keys()];
    this.othersLive.clear();
    for (const name of names) this.changed.fire(name);
  }

  /** Collaborators' runs of a function under way, with their output so far. */
  othersRunning(name: string): { by: string; text: string }[] {
    return [...(this.othersLive.get(name)?.values() ?? [])];
  }

  liveLog(name: string): string | undefined {
    return this.live.get(name)?.text;
  }

  /** Writes a function's variables into the workspace's .nimbus/env.json (the SAM CLI's --env-vars file). */
  async saveEnvironment(name: string, env: Record<string, string>): Promise<void> {
    const url = fileUrl(this.opts.workspaceId, ENV_FILE);
    let data: Record<string, unknown> = {};
    try {
      data = JSON.parse(await this.opts.api.readText(url)) as Record<string, unknown>;
    } catch {
      // none yet (or not JSON: it is replaced by a valid one)
    }
    if (typeof data !== 'object' || data === null || Array.isArray(data)) data = {};
    data[name] = { ...(data[name] as Record<string, string> | undefined), ...env };
    await this.opts.api.request('PUT', url, `${JSON.stringify(data, null, 2)}\n`, { headers: { 'content-type': 'application/json' } });
  }

  /** A past run shown as the result (picked in the history). */
  showRun(name: string, run: LambdaRun): void {
    this.results.set(name, run);
    this.changed.fire(name);
  }

  /** The function's last runs (everyone's, newest first), kept by the server. */
  history(name: string): Promise<LambdaRun[]> {
    return this.opts.api.get<LambdaRun[]>(`${base(this.opts.workspaceId)}/invocations?function=${encodeURIComponent(name)}`);
  }

  /** The saved events of a function (names, without `.json`), sorted. */
  async savedEvents(name: string): Promise<string[]> {
    const answer = await this.opts.api.get<{ events: string[] }>(
      `${base(this.opts.workspaceId)}/functions/${encodeURIComponent(name)}/events`,
    );
    return answer.events;
  }

  readSaved(name: string, event: string): Promise<string> {
    return this.opts.api.readText(fileUrl(this.opts.workspaceId, `${eventsDir(name)}/${event}.json`));
  }

  async save(name: string, event: string, text: string): Promise<void> {
    await this.opts.api.request('PUT', fileUrl(this.opts.workspaceId, `${eventsDir(name)}/${event}.json`), text, {
      headers: { 'content-type': 'application/json' },
    });
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/**
 * A function's run view, in the editor area: its event (typed, picked from the saved events of the
 * workspace or from the sample events of each AWS service, saved for collaborators), Invoke, and the
 * result — status, duration, billed duration, memory, init duration (a cold start) or warm, the response
 * and the log.
 */
export class RunView {
  readonly element: HTMLElement;
  private readonly store = new DisposableStore();
  private readonly editor: HTMLTextAreaElement;
  private readonly result = h('div.lambda-result', { 'aria-live': 'polite' });
  private readonly run: HTMLButtonElement;
  private readonly picker: HTMLSelectElement;
  private readonly check = h('div.nb-lambda-payload-error', { role: 'alert' });
  private readonly head = h('div.nb-lambda-run-head');
  private readonly historyList = h('ol.nb-lambda-history', { 'aria-label': 'Recent runs' });
  private readonly envSection = h('details.nb-lambda-env');
  /** The template's parameters (rebuilt only when they change: someone may be typing a value). */
  private readonly paramSection = h('details.nb-lambda-env.nb-lambda-params', { hidden: '' });
  private paramsKey = '';
  private historyKey = '';

  constructor(
    private readonly runs: Runs,
    readonly name: string,
  ) {
    const { canInvoke } = runs.opts;
    this.editor = h('textarea.nb-lambda-payload', {
      spellcheck: 'false',
      'aria-label': `Event for ${name}`,
      rows: '12',
      // Ctrl/Cmd+Enter invokes through the "Invoke Function" command, bound while this has the focus.
      'data-nb-focus': 'lambdaEventFocus',
    });
    this.run = h(
      'button.nb-primary.lambda-invoke',
      { disabled: !canInvoke, title: canInvoke ? runs.opts.invokeTitle() : 'Read-only: this share link cannot run functions' },
      'Invoke',
    );
    this.picker = h('select.nb-lambda-input.nb-lambda-event-select', { 'aria-label': `Event source for ${name}` });
    const eventName = h('input.nb-lambda-input.nb-lambda-event-name', {
      type: 'text',
      placeholder: 'event name',
      'aria-label': 'Name of the saved event',
      spellcheck: 'false',
      disabled: !canInvoke,
    });
    const save = h(
      'button.nb-lambda-event-save',
      { type: 'submit', disabled: !canInvoke, title: `Save the event as ${eventsDir(name)}/<name>.json, for everyone in the workspace` },
      'Save event',
    );
    const saveMessage = h('span.nb-lambda-event-message', { role: 'status' });
    const saveForm = h('form.nb-lambda-event-save-form', {}, eventName, save, saveMessage);
    this.element = h(
      'section.nb-lambda-run',
      { 'data-function': name, 'aria-label': `Run ${name}`, tabindex: '-1' },
      this.head,
      h('div.nb-lambda-run-events', {}, h('label.nb-lambda-label', {}, 'Event'), this.picker, saveForm),
      this.envSection,
      this.paramSection,
      this.editor,
      this.check,
      h('div.nb-lambda-actions', {}, this.run),
      this.result,
      h('label.nb-lambda-label', {}, 'Recent runs'),
      this.historyList,
    );

    this.editor.value = runs.payloadOf(name) ?? '{\n  \n}';
    this.store.add(listen(this.editor, 'input', () => void this.validate()));
    this.store.add(listen(this.run, 'click', () => void this.invoke()));
    this.store.add(listen(this.picker, 'change', () => void this.pick(this.picker.value)));
    // Collaborators may have saved events meanwhile: the list is read again when someone opens it.
    this.store.add(listen(this.picker, 'focus', () => void this.fillPicker(this.picker.value)));
    this.store.add(
      listen(saveForm, 'submit', (e) => {
        e.preventDefault();
        const named = eventName.value.trim();
        saveMessage.textContent = '';
        if (!EVENT_NAME.test(named)) return void (saveMessage.textContent = 'A name of letters, digits, - _ or .');
        if (!this.validate()) return;
        save.disabled = true;
        runs.save(name, named, this.editor.value).then(
          async () => {
            save.disabled = false;
            saveMessage.textContent = 'Saved.';
            runs.setLastUsed(name, `saved:${named}`);
            await this.fillPicker(`saved:${named}`);
          },
          (err: unknown) => {
            save.disabled = false;
            saveMessage.textContent = `Not saved: ${errorMessage(err)}`;
          },
        );
      }),
    );
    this.store.add(
      runs.onDidChange((changed) => {
        if (changed === name) this.renderResult();
      }),
    );
    this.renderHead();
    this.renderEnvironment();
    this.renderResult();
    void this.restoreEvent();
    void this.refreshHistory();
  }

  /** Reads the function's run history again (after anyone's run: it shows up for everyone). */
  async refreshHistory(): Promise<void> {
    let runs: LambdaRun[];
    try {
      runs = await this.runs.history(this.name);
    } catch {
      return;
    }
    const key = runs.map((r) => r.requestId).join(',');
    if (key === this.historyKey) return;
    this.historyKey = key;
    if (runs.length === 0) return void this.historyList.replaceChildren(h('li.nb-lambda-history-empty', {}, 'No runs yet.'));
    this.historyList.replaceChildren(
      ...runs.map((r) => {
        const failed = r.functionError !== undefined;
        const item = h(
          'li.nb-lambda-history-item',
          { tabindex: '0', 'data-request': r.requestId, title: 'Show this run and its event' },
          h('span.nb-lambda-history-time', {}, new Date(r.startedAt).toLocaleTimeString()),
          h(
            `span.nb-lambda-history-status${failed ? '.nb-failed' : '.nb-succeeded'}`,
            {},
            failed ? `Failed: ${r.errorType ?? 'error'}` : 'Succeeded',
          ),
          h('span.nb-lambda-history-duration', {}, `${r.durationMs.toFixed(1)} ms${r.initDurationMs !== undefined ? ' · cold' : ''}`),
          h('span.nb-lambda-history-by', {}, r.by),
        );
        const show = (): void => {
          this.editor.value = pretty(r.event);
          this.validate();
          this.runs.showRun(this.name, r);
        };
        item.addEventListener('click', show);
        item.addEventListener('keydown', (e) => {
          if (e.key === 'Enter') show();
        });
        return item;
      }),
    );
  }

  /** The function's configuration changed (the list was read again). */
  renderHead(): void {
    const list = this.envSection.querySelector('.nb-lambda-env-current');
    const f0 = this.runs.functions.get(this.name);
    if (list && f0) {
      list.replaceChildren(...variableItems(f0.environment));
      const summary = this.envSection.querySelector('summary');
      if (summary) summary.textContent = this.envSummary();
    }
    const f = this.runs.functions.get(this.name);
    this.renderParameters(f?.parameters ?? []);
    if (!f) {
      this.head.replaceChildren(h('strong', {}, this.name), h('span.nb-lambda-function-meta', {}, 'not in the templates any more'));
      return;
    }
    const template = h('button.nb-lambda-link', { title: 'Open the template' }, `${f.template}:${f.line}`);
    template.addEventListener('click', () => this.runs.opts.openFile(f.template));
    const details = [
      f.runtime,
      `${f.memorySize} MB`,
      `${f.timeout} s`,
      `Handler ${f.handler || '(bootstrap)'}`,
      f.codeUri !== undefined ? `code ${f.codeUri || '.'}` : 'inline code',
      ...f.events.map((e) => `${e.type} event ${e.name}`),
    ];
    this.head.replaceChildren(
      h('div.nb-lambda-detail-head', {}, icon('zap'), h('strong', {}, f.name), template),
      h('div.nb-lambda-function-meta', {}, details.join(' · ')),
      ...(f.warnings.length ? [h('ul.nb-lambda-warnings', {}, ...f.warnings.map((w) => h('li', {}, w)))] : []),
    );
  }

  /**
   * The template's parameters (`--parameter-overrides`): each value and where it comes from; a new value is
   * kept in the workspace's settings for everyone and the templates are read again; Reset goes back to the
   * samconfig's or the template's default.
   */
  private renderParameters(params: TemplateParameterView[]): void {
    const key = JSON.stringify(params);
    if (key === this.paramsKey) return;
    this.paramsKey = key;
    this.paramSection.hidden = params.length === 0;
    if (!params.length) return void this.paramSection.replaceChildren();
    const { canInvoke } = this.runs.opts;
    const fromText = { setting: 'workspace override', samconfig: 'samconfig', default: 'default', none: 'no value' } as const;
    const rows = params.map((p) => {
      const input = h('input.nb-lambda-input.nb-lambda-param-value', {
        type: p.noEcho ? 'password' : 'text',
        'aria-label': `Value of parameter ${p.name}`,
        spellcheck: 'false',
        disabled: !canInvoke,
        ...(p.allowedValues ? { title: `One of: ${p.allowedValues.join(', ')}` } : {}),
      });
      input.value = p.noEcho ? '' : (p.value ?? '');
      if (p.noEcho) input.placeholder = p.value ? 'hidden (NoEcho)' : 'no value';
      const set = h('button.nb-lambda-param-set', { type: 'submit', disabled: !canInvoke }, 'Set');
      const reset = h(
        'button.nb-lambda-param-reset',
        { type: 'button', disabled: !canInvoke || p.from !== 'setting', title: 'Back to the samconfig value or the template default' },
        'Reset',
      );
      const message = h('span.nb-lambda-param-message', { role: 'status' });
      const form = h(
        'form.nb-lambda-param',
        { 'data-parameter': p.name, ...(p.description ? { title: p.description } : {}) },
        h('code.nb-lambda-param-name', {}, p.name),
        input,
        set,
        reset,
        h('span.nb-lambda-param-from', {}, `${p.type} · ${fromText[p.from]}`),
        message,
      );
      const change = (value: string | undefined): void => {
        if (value !== undefined && p.allowedValues && !p.allowedValues.includes(value)) {
          message.textContent = `Not one of: ${p.allowedValues.join(', ')}`;
          return;
        }
        set.disabled = reset.disabled = true;
        message.textContent = '';
        this.runs.opts.setParameter(p.name, value).then(
          () => {
            message.textContent = 'Saved: reading the templates again…';
          },
          (err: unknown) => {
            set.disabled = false;
            reset.disabled = p.from !== 'setting';
            message.textContent = `Not saved: ${errorMessage(err)}`;
          },
        );
      };
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        change(input.value);
      });
      reset.addEventListener('click', () => change(undefined));
      return form;
    });
    const overridden = params.filter((p) => p.from === 'setting').length;
    this.paramSection.replaceChildren(
      h('summary', {}, `Template parameters (${params.length}${overridden ? `, ${overridden} overridden` : ''})`),
      h(
        'p.nb-lambda-env-help',
        {},
        'Values for the whole workspace (lambda.parameterOverrides, like sam’s --parameter-overrides), for everyone: the templates are read again.',
      ),
      ...rows,
    );
  }

  /**
   * The function's variables (template and .nimbus/env.json) and this view's own for the next runs:
   * new names too, secret-looking values as dots; "Save" writes them into .nimbus/env.json for everyone.
   */
  private renderEnvironment(): void {
    const f = this.runs.functions.get(this.name);
    const own = this.runs.environments.get(this.name) ?? {};
    const rows = h('div.nb-lambda-env-rows');
    const row = (key = '', value = ''): HTMLElement => {
      const k = h('input.nb-lambda-input.nb-lambda-env-key', {
        type: 'text',
        value: key,
        placeholder: 'NAME',
        'aria-label': 'Variable name',
        spellcheck: 'false',
      });
      const v = h('input.nb-lambda-input.nb-lambda-env-value', {
        type: SECRET_NAME.test(key) ? 'password' : 'text',
        value,
        placeholder: 'value',
        'aria-label': 'Variable value',
        spellcheck: 'false',
      });
      k.addEventListener('input', () => (v.type = SECRET_NAME.test(k.value) ? 'password' : 'text'));
      const remove = h('button.nb-lambda-env-remove', { type: 'button', title: 'Remove', 'aria-label': 'Remove variable' }, '×');
      const el = h('div.nb-lambda-env-row', {}, k, v, remove);
      remove.addEventListener('click', () => el.remove());
      return el;
    };
    for (const [k, v] of Object.entries(own)) rows.append(row(k, v));
    const message = h('span.nb-lambda-env-message', { role: 'status' });
    const collect = (): Record<string, string> | undefined => {
      const env: Record<string, string> = {};
      for (const el of rows.querySelectorAll('.nb-lambda-env-row')) {
        const key = (el.querySelector('.nb-lambda-env-key') as HTMLInputElement).value.trim();
        const value = (el.querySelector('.nb-lambda-env-value') as HTMLInputElement).value;
        if (!key) continue;
        if (!VARIABLE_NAME.test(key)) {
          message.textContent = `${key} is not a variable name`;
          return undefined;
        }
        env[key] = value;
      }
      return env;
    };
    const add = h('button.nb-lambda-env-add', { type: 'button', disabled: !this.runs.opts.canInvoke }, '+ Variable');
    add.addEventListener('click', () => rows.append(row()));
    const use = h(
      'button.nb-lambda-env-use',
      { type: 'button', disabled: !this.runs.opts.canInvoke, title: 'Sent with each run of this function from this browser' },
      'Use for runs',
    );
    use.addEventListener('click', () => {
      const env = collect();
      if (!env) return;
      this.runs.environments.set(this.name, env);
      message.textContent = Object.keys(env).length
        ? `The next runs get ${Object.keys(env).length} variable(s) of their own.`
        : 'The next runs get the function’s variables only.';
      summary.textContent = this.envSummary();
    });
    const save = h(
      'button.nb-lambda-env-save',
      { type: 'button', disabled: !this.runs.opts.canInvoke, title: `Kept in ${ENV_FILE}, for everyone in the workspace` },
      `Save to ${ENV_FILE}`,
    );
    save.addEventListener('click', () => {
      const env = collect();
      if (!env) return;
      save.disabled = true;
      this.runs.saveEnvironment(this.name, env).then(
        () => {
          save.disabled = false;
          message.textContent = `Saved in ${ENV_FILE}: every run gets them now.`;
        },
        (err: unknown) => {
          save.disabled = false;
          message.textContent = `Not saved: ${errorMessage(err)}`;
        },
      );
    });
    const current = variableItems(f?.environment ?? {});
    const summary = h('summary', {}, this.envSummary());
    this.envSection.replaceChildren(
      summary,
      h('ul.nb-lambda-env-current', { 'aria-label': 'The function’s variables' }, ...current),
      rows,
      h('div.nb-lambda-actions', {}, add, use, save, message),
    );
  }

  private envSummary(): string {
    const f = this.runs.functions.get(this.name);
    const own = Object.keys(this.runs.environments.get(this.name) ?? {}).length;
    return `Environment variables: ${Object.keys(f?.environment ?? {}).length}${own ? ` (+${own} for these runs)` : ''}`;
  }

  focus(): void {
    this.editor.focus();
  }

  invoke(): Promise<void> {
    if (!this.validate()) return Promise.resolve();
    return this.runs.invoke(this.name);
  }

  dispose(): void {
    this.store.dispose();
  }

  private validate(): boolean {
    this.runs.setPayload(this.name, this.editor.value);
    try {
      if (this.editor.value.trim()) JSON.parse(this.editor.value);
      this.check.textContent = '';
      return true;
    } catch (err) {
      this.check.textContent = `Not JSON: ${errorMessage(err)}`;
      return false;
    }
  }

  /** The event used last (a saved one, or a sample) is taken again when the view opens after a reload. */
  private async restoreEvent(): Promise<void> {
    const last = this.runs.lastUsed(this.name);
    await this.fillPicker(last ?? '');
    if (last && this.runs.payloadOf(this.name) === undefined) await this.pick(last);
  }

  private async fillPicker(selected: string): Promise<void> {
    let saved: string[] = [];
    try {
      saved = await this.runs.savedEvents(this.name);
    } catch {
      // the folder cannot be read: samples still work
    }
    const typed = h('option', { value: '' }, 'Typed here');
    const savedGroup = h('optgroup', { label: saved.length ? 'Saved in the workspace' : 'Saved in the workspace: none yet' });
    for (const event of saved) savedGroup.append(h('option', { value: `saved:${event}` }, event));
    const samples = h('optgroup', { label: 'Sample events' });
    for (const sample of SAMPLE_EVENTS) samples.append(h('option', { value: `sample:${sample.id}` }, sample.label));
    this.picker.replaceChildren(typed, savedGroup, samples);
    this.picker.value = [...this.picker.options].some((o) => o.value === selected) ? selected : '';
  }

  private async pick(source: string): Promise<void> {
    if (!source) return;
    let text: string;
    try {
      if (source.startsWith('saved:')) text = await this.runs.readSaved(this.name, source.slice('saved:'.length));
      else {
        const sample = SAMPLE_EVENTS.find((s) => s.id === source.slice('sample:'.length));
        if (!sample) return;
        const { region, accountId } = this.runs.opts;
        text = JSON.stringify(await sample.build({ region, accountId, functionName: this.name }), null, 2);
      }
    } catch (err) {
      this.check.textContent = `Cannot read that event: ${errorMessage(err)}`;
      return;
    }
    this.editor.value = text;
    this.runs.setLastUsed(this.name, source);
    this.validate();
  }

  private renderResult(): void {
    const running = this.runs.isRunning(this.name);
    this.run.disabled = running || !this.runs.opts.canInvoke;
    this.run.textContent = running ? 'Running…' : 'Invoke';
    if (running) {
      const text = this.runs.liveLog(this.name) ?? '';
      return void this.result.replaceChildren(
        h('div.nb-lambda-status.nb-running', {}, icon('loading'), 'Running…'),
        h('label.nb-lambda-label', {}, 'Log (live)'),
        h('pre.nb-lambda-log.nb-lambda-log-live', {}, text.replace(/\r/g, '\n')),
      );
    }
    // Collaborators' runs under way, live, above this view's last result.
    const others = this.runs
      .othersRunning(this.name)
      .map((o) =>
        h(
          'div.nb-lambda-others-run',
          {},
          h('div.nb-lambda-others-status', {}, icon('loading'), `Running, started by ${o.by}…`),
          h('pre.nb-lambda-log.nb-lambda-others-log', {}, o.text.replace(/\r/g, '\n')),
        ),
      );
    const r = this.runs.resultOf(this.name);
    if (!r) return void this.result.replaceChildren(...others);
    if ('error' in r) return void this.result.replaceChildren(...others, h('div.nb-lambda-status.nb-failed', {}, icon('error'), r.error));
    const status = r.functionError
      ? h('div.nb-lambda-status.nb-failed', {}, icon('error'), `Failed: ${r.errorType ?? r.functionError}`)
      : h('div.nb-lambda-status.nb-succeeded', {}, icon('pass'), 'Succeeded');
    const figures = [
      `Duration ${r.durationMs.toFixed(2)} ms`,
      `Billed ${r.billedDurationMs} ms`,
      `Memory ${r.maxMemoryUsedMb}/${r.memorySizeMb} MB`,
    ];
    figures.push(r.initDurationMs !== undefined ? `Init ${r.initDurationMs.toFixed(2)} ms (cold start)` : 'warm');
    this.result.replaceChildren(
      ...others,
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

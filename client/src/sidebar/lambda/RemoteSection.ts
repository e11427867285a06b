import type { LambdaImportProgress, LambdaRemoteFunction, LambdaRemotePage, LambdaRemoteTarget } from '../../../../shared/lambda.js';
import { ApiError, type Api } from '../../net/api.js';
import { errorMessage } from '../../ui/toast.js';
import { h, icon } from '../../ui/dom.js';

export interface RemoteSectionOptions {
  api: Api;
  workspaceId: string;
  /** The workspace's region (the first choice of region). */
  region(): string;
  /** Profile names of the server's AWS configuration (loaded with the credentials section). */
  profiles(): Promise<string[]>;
  /** After an import: the function list is read again, its run view and its handler open. */
  imported(result: Extract<LambdaImportProgress, { stage: 'done' }>): Promise<void>;
}

/** Listing stops here: past it, the filter is the way to find a function. */
const MAX_PAGES = 40;

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * The Remote section (owner only): a region, a profile of the server's AWS configuration and an optional
 * endpoint (LocalStack, another workspace's Lambda API); the account's functions, filtered by name;
 * importing one (double-click, Enter or the Import button) downloads its code into the workspace and adds
 * it to template.yaml, with progress, and asks what to do when its folder exists.
 */
export class RemoteSection {
  readonly el = h('details.nb-lambda-remote');
  private readonly region = h('input.nb-lambda-input.nb-lambda-remote-region', {
    type: 'text',
    'aria-label': 'Region',
    placeholder: 'Region (us-east-1)',
    spellcheck: 'false',
  });
  private readonly profile = h('select.nb-lambda-input.nb-lambda-remote-profile', { 'aria-label': 'AWS profile' });
  private readonly endpoint = h('input.nb-lambda-input.nb-lambda-remote-endpoint', {
    type: 'url',
    'aria-label': 'Endpoint URL',
    placeholder: 'Endpoint URL (optional: LocalStack, another workspace)',
    spellcheck: 'false',
  });
  private readonly listButton = h('button.nb-lambda-remote-list', { type: 'submit' }, 'List functions');
  private readonly filter = h('input.nb-lambda-input.nb-lambda-remote-filter', {
    type: 'search',
    'aria-label': 'Filter remote functions',
    placeholder: 'Filter by name',
    spellcheck: 'false',
  });
  private readonly list = h('ul.nb-lambda-remote-functions', { role: 'listbox', 'aria-label': 'Remote functions' });
  private readonly status = h('p.nb-lambda-remote-status', { role: 'status' });
  private readonly conflict = h('div.nb-lambda-remote-conflict', { hidden: '' });
  private functions: LambdaRemoteFunction[] = [];
  private target: LambdaRemoteTarget | undefined;
  private importing = false;
  private listing = 0;
  private profilesLoaded = false;

  constructor(private readonly opts: RemoteSectionOptions) {
    const saved = this.saved();
    this.region.value = saved?.region ?? '';
    this.endpoint.value = saved?.endpoint ?? '';
    const form = h('form.nb-lambda-remote-form', {}, this.region, this.profile, this.endpoint, this.listButton);
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      void this.listAll();
    });
    this.filter.addEventListener('input', () => this.render());
    this.el.append(
      h('summary', {}, 'Remote functions…'),
      h(
        'p.nb-lambda-remote-help',
        {},
        'Import a deployed function: its code into a folder, its configuration into template.yaml. Nothing changes in the account.',
      ),
      form,
      this.filter,
      this.list,
      this.conflict,
      this.status,
    );
    this.el.addEventListener('toggle', () => {
      if (this.el.open) void this.loadProfiles();
    });
  }

  private storageKey(): string {
    return `nimbus.lambda.remote.${this.opts.workspaceId}`;
  }

  private saved(): Partial<LambdaRemoteTarget> | undefined {
    try {
      return JSON.parse(localStorage.getItem(this.storageKey()) ?? 'null') as Partial<LambdaRemoteTarget> | undefined;
    } catch {
      return undefined;
    }
  }

  private async loadProfiles(): Promise<void> {
    if (this.profilesLoaded) return;
    this.profilesLoaded = true;
    if (!this.region.value) this.region.value = this.opts.region();
    try {
      const profiles = await this.opts.profiles();
      const saved = this.saved()?.profile;
      this.profile.replaceChildren(...profiles.map((p) => h('option', { value: p }, `Profile ${p}`)));
      if (saved && profiles.includes(saved)) this.profile.value = saved;
    } catch (err) {
      this.profilesLoaded = false;
      this.status.textContent = `Profiles could not be read: ${errorMessage(err)}`;
    }
  }

  /** Every page of ListFunctions (up to MAX_PAGES of 50), shown as they come. */
  async listAll(): Promise<void> {
    await this.loadProfiles();
    const target: LambdaRemoteTarget = {
      region: this.region.value.trim(),
      profile: this.profile.value,
      ...(this.endpoint.value.trim() ? { endpoint: this.endpoint.value.trim() } : {}),
    };
    const run = ++this.listing;
    this.target = target;
    this.functions = [];
    this.conflict.hidden = true;
    this.render();
    this.listButton.disabled = true;
    this.status.textContent = 'Listing…';
    try {
      let marker: string | undefined;
      let pages = 0;
      do {
        const query = new URLSearchParams({ region: target.region, profile: target.profile });
        if (target.endpoint) query.set('endpoint', target.endpoint);
        if (marker) query.set('marker', marker);
        const page = await this.opts.api.get<LambdaRemotePage>(
          `/api/workspaces/${encodeURIComponent(this.opts.workspaceId)}/lambda/remote/functions?${query.toString()}`,
        );
        if (run !== this.listing) return;
        this.functions.push(...page.functions);
        marker = page.nextMarker;
        pages++;
        this.render();
        this.status.textContent = marker ? `Listing… ${this.functions.length} functions so far` : '';
      } while (marker && pages < MAX_PAGES);
      localStorage.setItem(this.storageKey(), JSON.stringify(target));
      const n = this.functions.length;
      this.status.textContent = `${n} function${n === 1 ? '' : 's'}${marker ? ` (the first ${n}: filter to find others)` : ''}. Double-click one to import it.`;
    } catch (err) {
      if (run === this.listing) this.status.textContent = `Could not list: ${errorMessage(err)}`;
    } finally {
      if (run === this.listing) this.listButton.disabled = false;
    }
  }

  private render(): void {
    const needle = this.filter.value.trim().toLowerCase();
    const shown = this.functions.filter((f) => f.name.toLowerCase().includes(needle));
    this.list.replaceChildren(...shown.map((f) => this.item(f)));
  }

  private item(f: LambdaRemoteFunction): HTMLElement {
    const meta = [f.packageType === 'Image' ? 'container image' : (f.runtime ?? 'custom runtime')];
    if (f.memorySize) meta.push(`${f.memorySize} MB`);
    if (f.lastModified) meta.push(`modified ${f.lastModified.slice(0, 10)}`);
    const importButton = h('button.nb-lambda-remote-import', { type: 'button', title: `Import ${f.name} into the workspace` }, 'Import');
    const item = h(
      'li.nb-lambda-remote-function',
      {
        role: 'option',
        tabindex: '0',
        'data-function': f.name,
        'aria-selected': 'false',
        ...(f.description ? { title: f.description } : {}),
        ...(f.packageType === 'Image' ? { 'aria-disabled': 'true' } : {}),
      },
      h('div.nb-lambda-function-name', {}, icon('cloud'), h('span', {}, f.name), f.packageType === 'Image' ? undefined : importButton),
      h('div.nb-lambda-function-meta', {}, meta.join(' · ')),
    );
    const start = (): void => {
      if (f.packageType === 'Image') {
        this.status.textContent = `${f.name} is a container image function: only .zip functions can be imported.`;
        return;
      }
      void this.importFunction(f.name, 'fail');
    };
    item.addEventListener('click', () => {
      for (const el of this.list.querySelectorAll('[aria-selected="true"]')) el.setAttribute('aria-selected', 'false');
      item.setAttribute('aria-selected', 'true');
    });
    item.addEventListener('dblclick', start);
    item.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') start();
    });
    importButton.addEventListener('click', (e) => {
      e.stopPropagation();
      start();
    });
    return item;
  }

  /** Imports one function, showing each step; a folder that exists asks: overwrite, import as a copy, or cancel. */
  async importFunction(name: string, conflict: 'fail' | 'overwrite' | 'copy'): Promise<void> {
    if (!this.target || this.importing) return;
    this.importing = true;
    this.conflict.hidden = true;
    this.status.textContent = `Importing ${name}…`;
    let done: Extract<LambdaImportProgress, { stage: 'done' }> | undefined;
    try {
      await this.opts.api.postLines<LambdaImportProgress>(
        `/api/workspaces/${encodeURIComponent(this.opts.workspaceId)}/lambda/remote/import`,
        { ...this.target, name, conflict },
        (p) => {
          switch (p.stage) {
            case 'function':
              this.status.textContent = `Importing ${p.name}: reading its configuration…`;
              break;
            case 'download':
              this.status.textContent = `Importing ${name}: downloading ${mb(p.bytes)}${p.total ? ` of ${mb(p.total)}` : ''}…`;
              break;
            case 'unzip':
              this.status.textContent = `Importing ${name}: unpacking ${p.entries} of ${p.totalEntries} files…`;
              break;
            case 'template':
              this.status.textContent = `Importing ${name}: adding it to ${p.file}…`;
              break;
            case 'done':
              done = p;
              this.status.textContent = `Imported ${name} as ${p.name} (folder ${p.folder}/, ${p.logicalId} in ${p.template}).`;
              break;
            case 'error':
              this.status.textContent = `Not imported: ${p.message}`;
              break;
          }
        },
      );
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.code === 'exists') this.askConflict(name, err.message);
      else this.status.textContent = `Not imported: ${errorMessage(err)}`;
    } finally {
      this.importing = false;
    }
    if (done) await this.opts.imported(done);
  }

  private askConflict(name: string, message: string): void {
    this.status.textContent = message;
    const button = (label: string, cls: string, act: () => void): HTMLButtonElement => {
      const b = h(`button.${cls}`, { type: 'button' }, label);
      b.addEventListener('click', act);
      return b;
    };
    this.conflict.replaceChildren(
      button('Overwrite', 'nb-lambda-remote-overwrite', () => void this.importFunction(name, 'overwrite')),
      button('Import as copy', 'nb-lambda-remote-copy', () => void this.importFunction(name, 'copy')),
      button('Cancel', 'nb-lambda-remote-cancel', () => {
        this.conflict.hidden = true;
        this.status.textContent = 'Import cancelled.';
      }),
    );
    this.conflict.hidden = false;
    this.conflict.querySelector('button')?.focus();
  }
}

import type { IdeContext } from '../context.js';
import { monaco, uriFor } from '../editor/monaco.js';
import { fileUrl } from '../net/api.js';
import { DisposableStore, listen } from '../platform/lifecycle.js';
import { jsonSchemaOf, type SettingSchema, type SettingScope } from '../platform/settings.js';
import { h } from '../ui/dom.js';
import { showModal } from '../ui/modal.js';
import { errorMessage, toast } from '../ui/toast.js';
import { WORKSPACE_SETTINGS_PATH } from './settingsStorage.js';

/** `editor.fontSize` → `Editor: Font Size`; `terminal.integrated.fontSize` → `Terminal › Integrated: Font Size`. */
export function settingTitle(key: string): string {
  const words = (s: string): string =>
    s
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .replace(/^./, (c) => c.toUpperCase())
      .replace(/ ([A-Z])([a-z])/g, (_m, a: string, b: string) => ` ${a}${b}`);
  const parts = key.split('.');
  const name = parts.pop() as string;
  return `${parts.map(words).join(' › ')}: ${words(name)}`;
}

/**
 * Preferences: Open Settings (Ctrl/Cmd+,): every registered setting, searchable, for the person (User)
 * or everyone in the workspace (Workspace, `.nimbus/settings.json`); changes apply at once. Open
 * Workspace Settings (JSON) edits that file in the editor, validated against the same schema.
 */
export function installSettingsUi(ctx: IdeContext): void {
  const { services, disposables } = ctx;
  const { settings } = services;
  const canWriteWorkspace = ctx.session.role !== 'read';

  const open = (): void => {
    const store = new DisposableStore();
    let scope: SettingScope = 'user';
    const search = h('input.nb-settings-search', {
      type: 'search',
      placeholder: 'Search settings',
      'aria-label': 'Search settings',
      spellcheck: 'false',
    }) as HTMLInputElement;
    const scopeButtons = (['user', 'workspace'] as const).map((s) =>
      h(
        'button.nb-settings-scope',
        {
          type: 'button',
          'data-scope': s,
          'aria-pressed': String(s === scope),
          disabled: s === 'workspace' && !canWriteWorkspace,
          title: s === 'user' ? 'Yours, in every workspace and browser' : `Everyone’s in this workspace (${WORKSPACE_SETTINGS_PATH})`,
        },
        s === 'user' ? 'User' : 'Workspace',
      ),
    );
    const list = h('div.nb-settings-list', { role: 'list' });
    const close = h('button', { type: 'button' }, 'Close');
    const json = h('button.nb-settings-json', { type: 'button', hidden: !canWriteWorkspace }, 'Edit workspace settings as JSON');
    const dialog = h(
      'div.nb-dialog.nb-settings',
      { role: 'dialog', 'aria-label': 'Settings' },
      h('div.nb-settings-head', {}, h('h2', {}, 'Settings'), ...scopeButtons),
      search,
      list,
      h('div.nb-dialog-buttons', {}, json, close),
    );
    const done = (): void => store.dispose();

    const render = (): void => {
      // A re-render (a value saved, a file changed) keeps the focus on the control that had it.
      const focused = (document.activeElement as HTMLElement | null)?.dataset?.key;
      renderRows();
      if (focused) list.querySelector<HTMLElement>(`[data-key="${CSS.escape(focused)}"]:is(input, select)`)?.focus();
    };
    const renderRows = (): void => {
      const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
      const rows: HTMLElement[] = [];
      let lastCategory = '';
      for (const [key, schema] of settings.all()) {
        if (schema.type === 'array') continue; // edited in its own view (keyboard shortcuts)
        const text = `${key} ${settingTitle(key)} ${schema.description}`.toLowerCase();
        if (!words.every((w) => text.includes(w))) continue;
        const category = schema.category ?? settingTitle(key).split(':')[0]?.split(' › ')[0] ?? '';
        if (category !== lastCategory) {
          rows.push(h('h3.nb-settings-category', {}, category));
          lastCategory = category;
        }
        rows.push(row(key, schema));
      }
      list.replaceChildren(...(rows.length ? rows : [h('p.nb-settings-empty', {}, 'No setting matches.')]));
    };

    const row = (key: string, schema: SettingSchema): HTMLElement => {
      // A workspace-only setting (auto save) is edited in the workspace's file whichever scope is shown.
      const rowScope: SettingScope = schema.workspaceOnly ? 'workspace' : scope;
      const own = settings.inspect(key, rowScope);
      const value = own !== undefined ? own : settings.get(key);
      const id = `nb-setting-${key.replace(/\W/g, '-')}`;
      let control: HTMLInputElement | HTMLSelectElement;
      if (schema.type === 'boolean') {
        control = h('input', { type: 'checkbox', id, checked: value === true }) as HTMLInputElement;
      } else if (schema.enum) {
        control = h(
          'select',
          { id },
          ...schema.enum.map((v, i) => h('option', { value: v, selected: v === value }, schema.enumLabels?.[i] ?? v)),
        ) as HTMLSelectElement;
      } else {
        control = h('input', {
          type: schema.type === 'number' ? 'number' : 'text',
          id,
          value: String(value),
          ...(schema.minimum !== undefined ? { min: String(schema.minimum) } : {}),
          ...(schema.maximum !== undefined ? { max: String(schema.maximum) } : {}),
        }) as HTMLInputElement;
      }
      control.dataset.key = key;
      const reset = h(
        'button.nb-settings-reset',
        { type: 'button', title: `Remove from ${rowScope} settings`, hidden: own === undefined },
        'Reset',
      );
      const commit = (next: boolean | number | string | undefined): void => {
        settings.update(key, next, rowScope).then(render, (err: unknown) => {
          toast(`Could not change ${settingTitle(key)}: ${errorMessage(err)}`, 'error');
          render();
        });
      };
      control.addEventListener('change', () => {
        if (control instanceof HTMLInputElement && control.type === 'checkbox') commit(control.checked);
        else if (schema.type === 'number') commit(Number(control.value));
        else commit(control.value);
      });
      reset.addEventListener('click', () => commit(undefined));
      return h(
        'div.nb-setting',
        { role: 'listitem', 'data-key': key, 'data-modified': String(own !== undefined) },
        h(
          'label.nb-setting-title',
          { for: id },
          settingTitle(key),
          own !== undefined ? h('span.nb-setting-modified', {}, ` (set in ${rowScope})`) : '',
        ),
        h('p.nb-setting-description', {}, schema.workspaceOnly ? `${schema.description} (Workspace setting.)` : schema.description),
        h('div.nb-setting-control', {}, control, reset),
      );
    };

    for (const button of scopeButtons) {
      store.add(
        listen(button, 'click', () => {
          scope = button.dataset.scope as SettingScope;
          for (const b of scopeButtons) b.setAttribute('aria-pressed', String(b === button));
          render();
        }),
      );
    }
    store.add(listen(search, 'input', render));
    store.add(listen(close, 'click', done));
    store.add(
      listen(json, 'click', () => {
        done();
        void services.commands.execute('workbench.action.openWorkspaceSettingsFile');
      }),
    );
    store.add(settings.onDidChange(render));
    render();
    showModal(store, dialog, search);
  };

  disposables.add(
    services.registerAction({
      id: 'workbench.action.openSettings',
      title: 'Open Settings',
      category: 'Preferences',
      keys: ['mod+,'],
      run: open,
    }),
  );

  // The workspace file in the editor, checked against the settings' schema as it is typed.
  const fileUri = uriFor(ctx.workspaceId, WORKSPACE_SETTINGS_PATH).toString();
  const updateSchema = (): void =>
    monaco.languages.json.jsonDefaults.setDiagnosticsOptions({
      validate: true,
      allowComments: true,
      schemas: [{ uri: 'nimbus://schemas/settings.json', fileMatch: [fileUri], schema: jsonSchemaOf(settings) }],
    });
  updateSchema();
  disposables.add(
    services.registerAction({
      id: 'workbench.action.openWorkspaceSettingsFile',
      title: 'Open Workspace Settings (JSON)',
      category: 'Preferences',
      when: 'canWrite',
      run: async () => {
        updateSchema();
        const url = fileUrl(ctx.workspaceId, WORKSPACE_SETTINGS_PATH);
        // No file yet (or an empty one): start it as an empty object.
        if ((await ctx.api.readText(`${url}&optional`)).trim() === '') await ctx.api.put(url, new Blob(['{\n}\n']));
        await ctx.shell.editor.openFile(WORKSPACE_SETTINGS_PATH);
      },
    }),
  );
}

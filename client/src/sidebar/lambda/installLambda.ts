import { canWrite } from '../../../../shared/api.js';
import { LAMBDA_PARAMETERS_SETTING, LAMBDA_TEMPLATES_SETTING } from '../../../../shared/settings.js';
import type { IdeContext } from '../../context.js';
import { toDisposable } from '../../platform/lifecycle.js';
import type { LambdaView } from './LambdaView.js';

const INVOKE = 'nimbus.lambda.invoke';
/** A function's run view opens in the editor area as the path `lambda-run:<function>`. */
const RUN_SCHEME = 'lambda-run';
const runPath = (name: string): string => `${RUN_SCHEME}:${name}`;
const runName = (path: string): string => path.slice(RUN_SCHEME.length + 1);
const TEMPLATES = LAMBDA_TEMPLATES_SETTING;
const PARAMETERS = LAMBDA_PARAMETERS_SETTING;

/** After the IDE is usable, the view loads even if nobody opens it (its badge counts template problems). */
const LOAD_WHEN_IDLE_MS = 3_000;

/**
 * The Lambda view: the workspace's functions, kept live by the workspace event socket. Its code (and
 * its styles) come in their own script, loaded when the view is first shown or once the page is idle.
 */
export function installLambda(ctx: IdeContext): void {
  const { shell, disposables } = ctx;
  const strings = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');
  disposables.add(
    ctx.services.settings.register({
      [TEMPLATES]: {
        type: 'array',
        default: [],
        workspaceOnly: true,
        validate: strings,
        description: 'Template files to read besides every template.yaml (the SAM CLI’s -t), relative to the workspace.',
        category: 'Lambda',
      },
      [PARAMETERS]: {
        type: 'array',
        default: [],
        workspaceOnly: true,
        validate: strings,
        description:
          'Values of template parameters, as Key=Value (the SAM CLI’s --parameter-overrides); they win over samconfig.toml and Default.',
        category: 'Lambda',
      },
    }),
  );
  let container: HTMLElement | undefined;
  let loading: Promise<LambdaView> | undefined;
  const handle = shell.addSidebarView({ id: 'lambda', order: 30, title: 'Lambda', icon: 'zap', render: (c) => (container = c) });
  const load = (): Promise<LambdaView> =>
    (loading ??= import('./LambdaView.js').then(({ LambdaView }) => {
      const view = new LambdaView({
        api: ctx.api,
        workspaceId: ctx.workspaceId,
        canInvoke: canWrite(ctx.session.role),
        isOwner: ctx.session.role === 'owner',
        openFile: (path) => void shell.whenEditor().then((editor) => editor.openFile(path)),
        problemCount: (n) => handle.setBadge(n || undefined),
        invokeKeyLabel: () => ctx.services.keybindings.labelFor(INVOKE),
        userName: () => ctx.user.name,
        openRun: async (name) => {
          const editor = await shell.whenEditor();
          await editor.openFile(runPath(name));
        },
        setParameter: async (name, value) => {
          const { settings } = ctx.services;
          const current = settings.inspect(PARAMETERS, 'workspace');
          const others = (Array.isArray(current) ? current : []).filter(
            (item): item is string => typeof item === 'string' && !item.startsWith(`${name}=`),
          );
          await settings.update(PARAMETERS, value === undefined ? others : [...others, `${name}=${value}`], 'workspace');
        },
      });
      container?.append(view.el);
      void view.load();
      // Templates re-read, code changed, an invocation finished (warm environment counts): read the list again.
      let timer: ReturnType<typeof setTimeout> | undefined;
      disposables.add(
        toDisposable(
          ctx.events.on((event) => {
            if (event.type === 'lambda-log') {
              return view.runs.appendLog(event.functionName, event.runId, event.text, event.by, event.done === true);
            }
            if (event.type !== 'lambda') return;
            clearTimeout(timer);
            timer = setTimeout(() => void view.load(), 150);
          }),
        ),
      );
      disposables.add(toDisposable(() => clearTimeout(timer)));
      disposables.add(
        toDisposable(
          ctx.events.onState((state) => {
            if (state !== 'online') return;
            view.runs.forgetOthersRuns();
            void view.load();
          }),
        ),
      );
      return view;
    }));
  // Run views are tabs of the editor area: they come back with the layout after a reload, split and move.
  void shell.whenEditor().then((editor) =>
    disposables.add(
      editor.registerView(RUN_SCHEME, {
        label: (path) => `Run: ${runName(path)}`,
        title: (path) => `Run ${runName(path)} (Lambda function)`,
        open: async (path) => (await load()).runView(runName(path)),
      }),
    ),
  );
  disposables.add(
    toDisposable(
      shell.onViewShown((id) => {
        if (id === 'lambda') void load();
      }),
    ),
  );
  const show = async (): Promise<LambdaView> => {
    handle.reveal();
    return load();
  };
  disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.lambda.show',
      title: 'Show Functions',
      category: 'Lambda',
      run: async () => {
        (await show()).focusEvent();
      },
    }),
  );
  disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.lambda.new',
      title: 'New Function…',
      category: 'Lambda',
      when: 'canWrite',
      run: async () => (await show()).showNewFunction(),
    }),
  );
  disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.lambda.importRemote',
      title: 'Import Remote Function…',
      category: 'Lambda',
      when: 'isOwner',
      run: async () => (await show()).showRemote(),
    }),
  );
  disposables.add(
    ctx.services.registerAction({
      id: 'nimbus.lambda.refresh',
      title: 'Refresh Functions',
      category: 'Lambda',
      run: async () => (await load()).load(),
    }),
  );
  disposables.add(
    ctx.services.registerAction({
      id: INVOKE,
      title: 'Invoke Function…',
      category: 'Lambda',
      when: 'canWrite',
      keys: ['mod+enter'],
      keyWhen: 'lambdaEventFocus',
      // In the event editor: the selected function. Elsewhere (the palette): pick one, then invoke it.
      run: async () => {
        if (ctx.services.contextKeys.get('lambdaEventFocus')) return (await load()).invokeSelected();
        const view = await show();
        await view.load();
        const names = view.functionNames;
        const selected = view.selectedName;
        const items = names
          .map((name) => ({ id: name, label: name, ...(name === selected ? { description: 'selected' } : {}) }))
          .sort((a, b) => Number(b.id === selected) - Number(a.id === selected));
        const chosen = await ctx.services.quickInput.pick(items, names.length ? 'Function to invoke' : 'No functions in this workspace');
        if (!chosen) return;
        await view.select(chosen.id);
        await view.invokeSelected();
      },
    }),
  );
  const idle = setTimeout(() => void load(), LOAD_WHEN_IDLE_MS);
  disposables.add(toDisposable(() => clearTimeout(idle)));
}

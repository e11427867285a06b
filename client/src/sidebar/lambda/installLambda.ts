import './lambda.css';
import { canWrite } from '../../../../shared/api.js';
import type { IdeContext } from '../../context.js';
import { LambdaView } from './LambdaView.js';

/** The Lambda view: the workspace's functions, kept live by the workspace event socket. */
export function installLambda(ctx: IdeContext): LambdaView {
  let setBadge: (n?: number) => void = () => undefined;
  const view = new LambdaView({
    api: ctx.api,
    workspaceId: ctx.workspaceId,
    canInvoke: canWrite(ctx.session.role),
    openFile: (path) => void ctx.shell.editor.openFile(path),
    problemCount: (n) => setBadge(n || undefined),
  });
  const handle = ctx.shell.addSidebarView({ id: 'lambda', title: 'Lambda', icon: 'zap', render: (container) => container.append(view.el) });
  setBadge = (n) => handle.setBadge(n);
  // Templates re-read, code changed, an invocation finished (warm environment counts): read the list again.
  let timer: ReturnType<typeof setTimeout> | undefined;
  ctx.events.on((event) => {
    if (event.type !== 'lambda') return;
    clearTimeout(timer);
    timer = setTimeout(() => void view.load(), 150);
  });
  ctx.events.onState((state) => {
    if (state === 'online') void view.load();
  });
  return view;
}

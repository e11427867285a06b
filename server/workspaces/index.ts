export { DisposableStore, toDisposable, type Disposable } from './disposables.js';
export { workspaceActivity, workspaceRoutes } from './routes.js';
export { WORKSPACE_ID, WorkspaceRuntime, WorkspaceService, workspaceMigrations } from './WorkspaceService.js';
export { WorkspaceEvents } from './WorkspaceEvents.js';

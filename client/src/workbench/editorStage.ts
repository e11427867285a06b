import { installCollab } from '../collab/installCollab.js';
import type { IdeContext } from '../context.js';
import { EditorArea } from '../editor/EditorArea.js';
import { RestDocumentProvider } from '../editor/documents.js';
import { ignoreMonacoCancellation } from '../editor/monaco.js';
import { setTypingsSource } from '../editor/nodeTypings.js';
import type { WorkspaceTypings } from '../../../shared/api.js';
import { fileUrl } from '../net/api.js';
import { installStatus } from '../shell/installStatus.js';
import { installSearch } from '../sidebar/search/installSearch.js';
import { installEditorSettings } from './editorSettings.js';
import { installWorkbench } from './installWorkbench.js';
import { installMarkdownPreview } from './markdownPreview.js';
import { installProblems } from './problems.js';
import { installSettingsUi } from './settingsUi.js';

/**
 * Everything that needs Monaco, in its own script: main.ts starts loading it at once and paints the frame
 * and the file tree while it arrives. Creates the editor area and installs the features built on it;
 * resolves when collaboration is live (documents then open as collaborative ones).
 */
export function installEditorStage(ctx: IdeContext): Promise<void> {
  const { api, workspaceId, shell } = ctx;
  const readOnly = ctx.session.role === 'read';
  // No provider yet: collaboration sets its own, so a file opened before it is ready waits for it
  // instead of opening over REST and being swapped (with what was typed) a moment later.
  const editor = new EditorArea(shell.editorRoot, undefined, (path, type) => api.readBlob(fileUrl(workspaceId, path), type));
  ctx.disposables.add(ignoreMonacoCancellation());
  setTypingsSource({
    workspaceId,
    workspaceTypings: async () => (await api.get<WorkspaceTypings>(`/api/workspaces/${encodeURIComponent(workspaceId)}/typings`)).files,
    readOptional: async (path) => {
      const text = await api.readText(`${fileUrl(workspaceId, path)}&optional`);
      return text === '' ? undefined : text;
    },
  });
  ctx.disposables.add(editor);
  shell.setEditor(editor);
  installEditorSettings(ctx);
  installWorkbench(ctx);
  installSearch(ctx);
  installStatus(ctx);
  installProblems(ctx);
  installMarkdownPreview(ctx);
  installSettingsUi(ctx);
  // Without collaboration (it could not start), files open over the REST API.
  return installCollab(ctx).finally(() => {
    if (!editor.documents.hasProvider) void editor.setProvider(new RestDocumentProvider(api, workspaceId, readOnly));
  });
}

import { parseSettingsText, WORKSPACE_SETTINGS_PATH } from '../../../shared/settings.js';
import { fileUrl, type Api } from '../net/api.js';
import type { SettingsStorage } from '../platform/settings.js';

/** Where workspace settings live: in the workspace, so collaborators share them (and git can keep them). */
export { WORKSPACE_SETTINGS_PATH };

/** User settings from the server (`/api/settings`), workspace settings from `.nimbus/settings.json`. */
export function settingsStorage(api: Api, workspaceId: string): SettingsStorage {
  const url = fileUrl(workspaceId, WORKSPACE_SETTINGS_PATH);
  return {
    loadUser: () => api.get<Record<string, unknown>>('/api/settings'),
    saveUser: async (values) => {
      await api.put('/api/settings', values);
    },
    loadWorkspace: async () => {
      // `optional`: no file is 204 and an empty body, not a 404 in the console.
      const text = await api.readText(`${url}&optional`);
      // Not valid JSON (being edited): no workspace values until it is again.
      return parseSettingsText(text);
    },
    saveWorkspace: async (values) => {
      await api.put(url, new Blob([`${JSON.stringify(values, null, 2)}\n`], { type: 'application/json' }));
    },
  };
}

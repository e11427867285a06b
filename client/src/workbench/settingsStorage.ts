import { fileUrl, type Api } from '../net/api.js';
import type { SettingsStorage } from '../platform/settings.js';

/** Where workspace settings live: in the workspace, so collaborators share them (and git can keep them). */
export const WORKSPACE_SETTINGS_PATH = '.nimbus/settings.json';

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
      if (text.trim() === '') return {};
      try {
        const parsed: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
        return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
      } catch {
        return {}; // being edited: not valid JSON yet; the last valid values stay until it is
      }
    },
    saveWorkspace: async (values) => {
      await api.put(url, new Blob([`${JSON.stringify(values, null, 2)}\n`], { type: 'application/json' }));
    },
  };
}

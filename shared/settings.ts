/** A workspace's own settings file (shared with its collaborators), relative to its folder. */
export const WORKSPACE_SETTINGS_PATH = '.nimbus/settings.json';

/** When the shared documents are written to their files (workspace settings; the server applies them). */
export const AUTO_SAVE_MODES = ['afterDelay', 'off'] as const;
export type AutoSaveMode = (typeof AUTO_SAVE_MODES)[number];
export const AUTO_SAVE_DELAY = { default: 300, minimum: 50, maximum: 60_000 } as const;

/** Workspace settings the server reads a workspace's templates with: extra template files, and parameter values (`Key=Value`). */
export const LAMBDA_TEMPLATES_SETTING = 'lambda.templates';
export const LAMBDA_PARAMETERS_SETTING = 'lambda.parameterOverrides';

/** The settings file's text as values (`//` comment lines allowed); {} when it is not a JSON object. */
export function parseSettingsText(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ''));
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

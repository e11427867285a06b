import { Emitter } from './event.js';
import { toDisposable, type Disposable } from './lifecycle.js';

export type SettingScope = 'user' | 'workspace';

export interface SettingSchema {
  /** An `array` setting has its own editor (keyboard shortcuts); the settings view does not list it. */
  type: 'boolean' | 'number' | 'string' | 'array';
  default: boolean | number | string | readonly unknown[];
  /** Kept per person only: a workspace's settings file cannot set it. */
  userOnly?: boolean;
  /** Only the workspace's settings file sets it (it applies to what everyone shares, e.g. auto save). */
  workspaceOnly?: boolean;
  /** Checks an array setting's items (a value that fails is ignored, as any invalid value). */
  validate?: (value: unknown) => boolean;
  description: string;
  /** Allowed values of a string setting, with labels for the settings view. */
  enum?: readonly string[];
  enumLabels?: readonly string[];
  minimum?: number;
  maximum?: number;
  /** Shown in the settings view under this heading (defaults to the key's first part). */
  category?: string;
}

export interface SettingsStorage {
  loadUser(): Promise<Record<string, unknown>>;
  saveUser(values: Record<string, unknown>): Promise<void>;
  /** The workspace's `.nimbus/settings.json`, or {} when there is none. */
  loadWorkspace(): Promise<Record<string, unknown>>;
  saveWorkspace(values: Record<string, unknown>): Promise<void>;
}

/**
 * Settings: each feature registers a schema (type, default, description); values come from two scopes,
 * the person's own (kept by the server, following them to any browser) and the workspace's
 * (`.nimbus/settings.json`, shared with collaborators), the workspace winning as in VS Code. Values that
 * do not fit their schema are ignored (the default applies), never trusted.
 */
export class SettingsService implements Disposable {
  private readonly schemas = new Map<string, SettingSchema>();
  private user: Record<string, unknown> = {};
  private workspace: Record<string, unknown> = {};
  private readonly changed = new Emitter<readonly string[]>();
  /** The keys whose effective value may have changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly storage: SettingsStorage) {}

  async load(): Promise<void> {
    const [user, workspace] = await Promise.all([
      this.storage.loadUser().catch(() => ({})),
      this.storage.loadWorkspace().catch(() => ({})),
    ]);
    this.user = user;
    this.workspace = workspace;
    this.changed.fire([...this.schemas.keys()]);
  }

  /** The workspace file changed on disk (a collaborator, a terminal, git): read it again. */
  async reloadWorkspace(): Promise<void> {
    const before = this.workspace;
    this.workspace = await this.storage.loadWorkspace().catch(() => ({}));
    this.changed.fire([...new Set([...Object.keys(before), ...Object.keys(this.workspace)])]);
  }

  register(schemas: Record<string, SettingSchema>): Disposable {
    for (const [key, schema] of Object.entries(schemas)) {
      if (this.schemas.has(key)) throw new Error(`setting ${key} is already registered`);
      this.schemas.set(key, schema);
    }
    this.changed.fire(Object.keys(schemas));
    return toDisposable(() => {
      for (const key of Object.keys(schemas)) this.schemas.delete(key);
    });
  }

  all(): [string, SettingSchema][] {
    return [...this.schemas.entries()].sort((a, b) => a[0].localeCompare(b[0]));
  }

  /** The effective value: workspace, else user, else the default — whichever first fits the schema. */
  get<T extends boolean | number | string | readonly unknown[]>(key: string): T {
    const schema = this.schemas.get(key);
    if (!schema) throw new Error(`unknown setting ${key}`);
    for (const scope of schema.userOnly ? [this.user] : schema.workspaceOnly ? [this.workspace] : [this.workspace, this.user]) {
      const value = scope[key];
      if (value !== undefined && valid(schema, value)) return value as T;
    }
    return schema.default as T;
  }

  /** The value set in one scope (undefined if it is not set there). */
  inspect(key: string, scope: SettingScope): unknown {
    return (scope === 'user' ? this.user : this.workspace)[key];
  }

  /** Sets (or with undefined, removes) a value in a scope and saves that scope. */
  async update(
    key: string,
    value: boolean | number | string | readonly unknown[] | undefined,
    scope: SettingScope = 'user',
  ): Promise<void> {
    const schema = this.schemas.get(key);
    if (!schema) throw new Error(`unknown setting ${key}`);
    if (value !== undefined && !valid(schema, value)) throw new Error(`${JSON.stringify(value)} is not a valid value for ${key}`);
    if (schema.workspaceOnly && scope === 'user') throw new Error(`${key} is a workspace setting`);
    if (schema.userOnly && scope === 'workspace') throw new Error(`${key} is a setting of each person`);
    const next = { ...(scope === 'user' ? this.user : this.workspace) };
    if (value === undefined || (scope === 'user' && value === schema.default)) delete next[key];
    else next[key] = value;
    if (scope === 'user') {
      await this.storage.saveUser(next);
      this.user = next;
    } else {
      await this.storage.saveWorkspace(next);
      this.workspace = next;
    }
    this.changed.fire([key]);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function valid(schema: SettingSchema, value: unknown): boolean {
  if (schema.type === 'array') return Array.isArray(value) && (schema.validate?.(value) ?? true);
  if (typeof value !== schema.type) return false;
  if (schema.type === 'number') {
    const n = value as number;
    if (!Number.isFinite(n) || (schema.minimum !== undefined && n < schema.minimum) || (schema.maximum !== undefined && n > schema.maximum))
      return false;
  }
  if (schema.enum && !schema.enum.includes(value as string)) return false;
  return true;
}

/** The JSON schema of a settings file, for Monaco's JSON validation of `.nimbus/settings.json`. */
export function jsonSchemaOf(settings: SettingsService): object {
  const properties: Record<string, object> = {};
  for (const [key, s] of settings.all()) {
    if (s.userOnly) continue;
    properties[key] = {
      type: s.type,
      default: s.default,
      description: s.description,
      ...(s.enum ? { enum: s.enum } : {}),
      ...(s.minimum !== undefined ? { minimum: s.minimum } : {}),
      ...(s.maximum !== undefined ? { maximum: s.maximum } : {}),
    };
  }
  return { type: 'object', properties, additionalProperties: false };
}

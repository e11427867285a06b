import fs from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { parse as parseYaml } from 'yaml';
import {
  LAMBDA_PARAMETERS_SETTING,
  LAMBDA_TEMPLATES_SETTING,
  parseSettingsText,
  WORKSPACE_SETTINGS_PATH,
} from '../../../shared/settings.js';
import { resolveInside } from '../../files/pathGuard.js';
import type { TemplateProblem } from '../types.js';

const MAX_CONFIG_BYTES = 256 * 1024;
const MAX_EXTRA_TEMPLATES = 100;
const SAMCONFIG_NAMES = ['samconfig.toml', 'samconfig.yaml', 'samconfig.yml'];

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface WorkspaceLambdaSettings {
  /** Workspace-relative template files to read besides the `template.yaml`s found (the SAM CLI's `-t`). */
  templates: string[];
  /** `Key=Value` values for template parameters (the SAM CLI's `--parameter-overrides`), for every template. */
  overrides: Record<string, string>;
}

async function readSmall(abs: string): Promise<string | undefined> {
  try {
    const st = await fs.promises.stat(abs);
    if (!st.isFile() || st.size > MAX_CONFIG_BYTES) return undefined;
    return await fs.promises.readFile(abs, 'utf8');
  } catch {
    return undefined;
  }
}

/** The Lambda settings of a workspace's settings file; missing or invalid values are left out. */
export async function readWorkspaceLambdaSettings(root: string): Promise<WorkspaceLambdaSettings> {
  let text: string | undefined;
  try {
    text = await readSmall(resolveInside(root, WORKSPACE_SETTINGS_PATH).abs);
  } catch {
    text = undefined; // a link out of the workspace is not read
  }
  const values = text === undefined ? {} : parseSettingsText(text);
  const rawTemplates = values[LAMBDA_TEMPLATES_SETTING];
  const templates = Array.isArray(rawTemplates)
    ? rawTemplates.filter((t): t is string => typeof t === 'string' && t.trim() !== '').slice(0, MAX_EXTRA_TEMPLATES)
    : [];
  return {
    templates: templates.map((t) => t.trim().replace(/^\.\//, '')),
    overrides: parseParameterOverrides(values[LAMBDA_PARAMETERS_SETTING]),
  };
}

/**
 * Parameter overrides as the SAM CLI takes them: `Key=Value` or `ParameterKey=Key,ParameterValue=Value`,
 * separated by spaces (values may be quoted), as one string or a list of them.
 */
export function parseParameterOverrides(raw: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const items = typeof raw === 'string' ? tokens(raw) : Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string') : [];
  for (const item of items) {
    const long = /^ParameterKey=([^,]+),ParameterValue=(.*)$/s.exec(item);
    const short = long ? undefined : /^([A-Za-z0-9]+)=(.*)$/s.exec(item);
    const m = long ?? short;
    if (!m) continue;
    out[m[1] as string] = unquote(m[2] as string);
  }
  return out;
}

function tokens(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quote) {
      if (ch === '\\' && text[i + 1] === quote) {
        current += quote;
        i++;
      } else if (ch === quote) quote = undefined;
      else current += ch;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (/\s/.test(ch)) {
      if (current) out.push(current);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

const unquote = (v: string): string => (/^(["']).*\1$/s.test(v) ? v.slice(1, -1) : v);

export interface SamConfig {
  stackName?: string;
  overrides: Record<string, string>;
  problem?: TemplateProblem;
}

/**
 * The `default` environment of the samconfig file beside a template (`sam deploy` reads it): its
 * `stack_name` and `parameter_overrides`, from the deploy command's table or the global one.
 */
export async function readSamConfig(root: string, templateFile: string): Promise<SamConfig> {
  const dirRel = path.posix.dirname(templateFile) === '.' ? '' : path.posix.dirname(templateFile);
  for (const name of SAMCONFIG_NAMES) {
    const rel = dirRel ? `${dirRel}/${name}` : name;
    let abs: string;
    try {
      abs = resolveInside(root, rel).abs;
    } catch {
      continue;
    }
    const text = await readSmall(abs);
    if (text === undefined) continue;
    let doc: unknown;
    try {
      doc = name.endsWith('.toml') ? parseToml(text) : parseYaml(text, { maxAliasCount: 10 });
    } catch (err) {
      return { overrides: {}, problem: { file: rel, severity: 'warning', message: `not read: ${(err as Error).message.split('\n')[0]}` } };
    }
    const env = isObject(doc) && isObject(doc.default) ? doc.default : {};
    const table = (command: string): Record<string, unknown> =>
      isObject(env[command]) && isObject(env[command].parameters) ? env[command].parameters : {};
    const deploy = table('deploy');
    const global = table('global');
    const stack = deploy.stack_name ?? global.stack_name;
    return {
      ...(typeof stack === 'string' ? { stackName: stack } : {}),
      overrides: { ...parseParameterOverrides(global.parameter_overrides), ...parseParameterOverrides(deploy.parameter_overrides) },
    };
  }
  return { overrides: {} };
}

/** Where a workspace keeps environment variables for its functions, in the SAM CLI's `--env-vars` format. */
export const ENV_OVERRIDES_PATH = '.nimbus/env.json';

export interface EnvOverrides {
  /** For every function (the file's `Parameters`). */
  all: Record<string, string>;
  /** By function logical ID or name. */
  byFunction: Map<string, Record<string, string>>;
  problem?: TemplateProblem;
}

/**
 * `.nimbus/env.json`: `{ "Parameters": { "KEY": "value" }, "<LogicalId or name>": { "KEY": "value" } }`, as
 * `sam local invoke --env-vars env.json` reads it; unlike the SAM CLI, it may add variables the template
 * does not have. Numbers and booleans become text; anything else is a problem of the file.
 */
export async function readEnvOverrides(root: string): Promise<EnvOverrides> {
  const none: EnvOverrides = { all: {}, byFunction: new Map() };
  let text: string | undefined;
  try {
    text = await readSmall(resolveInside(root, ENV_OVERRIDES_PATH).abs);
  } catch {
    return none;
  }
  if (text === undefined) return none;
  const problem = (message: string): EnvOverrides => ({ ...none, problem: { file: ENV_OVERRIDES_PATH, severity: 'warning', message } });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return problem(`not JSON: ${(err as Error).message}; its variables are not used`);
  }
  if (!isObject(data)) return problem('must be a map of function names (or Parameters) to variables');
  const out: EnvOverrides = { all: {}, byFunction: new Map() };
  for (const [fn, vars] of Object.entries(data)) {
    if (!isObject(vars)) return problem(`${fn} must be a map of variable names to values`);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(vars)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') env[k] = String(v);
      else return problem(`${fn}.${k} must be a string, a number or a boolean`);
    }
    if (fn === 'Parameters') out.all = env;
    else out.byFunction.set(fn, env);
  }
  return out;
}

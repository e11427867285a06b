import type { TemplateParameterView } from '../../shared/lambda.js';
import type { LambdaInvocation, TemplateProblem } from '../../shared/lambda.js';

export type { TemplateProblem };

/** A local layer: a folder laid out like Lambda's /opt (nodejs/node_modules, python/, bin/, lib/). */
export interface LayerSpec {
  logicalId: string;
  dir: string;
  /** The layer's `Metadata: BuildMethod` (nodejs20.x, python3.12, makefile): built before use, as `sam build` does. */
  buildMethod?: string;
}

/** How `sam build` would build a function: from its `Metadata` (esbuild, makefile), else by runtime (npm, pip). */
export interface BuildSpec {
  method: 'esbuild' | 'makefile';
  /** `Metadata: BuildProperties` (esbuild: EntryPoints, Format, Minify, Target, Sourcemap, External, ...). */
  properties: Record<string, unknown>;
}

/** Everything needed to run one function, read from a template (after Globals and intrinsics). */
export interface FunctionSpec {
  name: string;
  logicalId: string;
  /** Workspace-relative template path and the resource's line in it. */
  template: string;
  line: number;
  runtime: string;
  handler: string;
  /** Absolute, symlink-free code folder (LAMBDA_TASK_ROOT). */
  codeDir: string;
  /** Workspace-relative code folder; undefined for inline code. */
  codeUri: string | undefined;
  /** Inline code (InlineCode / Code.ZipFile), written to a private folder before it runs. */
  inlineCode: string | undefined;
  description: string;
  role: string | undefined;
  timeout: number;
  memorySize: number;
  environment: Record<string, string>;
  reservedConcurrency: number | undefined;
  ephemeralStorage: number;
  architectures: string[];
  layers: LayerSpec[];
  build?: BuildSpec;
  events: { name: string; type: string }[];
  /** HTTP routes that reach it: its `Api` and `HttpApi` events, and its function URL. */
  routes: HttpRouteSpec[];
  /** The function's tags (ListTags), with the one SAM adds. */
  tags: Record<string, string>;
  /** TenancyConfig's TenantIsolationMode PER_TENANT: every invocation names a tenant. */
  perTenant: boolean;
  maxRetryAttempts: number;
  maxEventAgeSeconds: number;
  warnings: string[];
  /** Its template's parameters with their values (set by discovery, for the run view). */
  parameters?: TemplateParameterView[];
}

/** CORS as the template configures it (an Api's `Cors`, an HttpApi's `CorsConfiguration`, a function URL's `Cors`). */
export interface CorsSpec {
  allowOrigins: string[];
  allowMethods: string[];
  allowHeaders: string[];
  exposeHeaders: string[];
  maxAge?: number;
  allowCredentials: boolean;
}

/** An API Gateway API (or a function URL) as a template declares it, implicit or explicit. */
export interface HttpApiSpec {
  /** `<template>#<logical id>` (`ServerlessRestApi`, `ServerlessHttpApi` when implicit; the function's id for a URL). */
  id: string;
  kind: 'rest' | 'http' | 'url';
  /** The stage in its URL (`Prod` for SAM's implicit REST API, `$default` for HTTP APIs); a URL's function name. */
  stage: string;
  cors?: CorsSpec;
  /** REST APIs: request and response types passed as binary (base64), like `image/png`, or every type. */
  binaryMediaTypes: string[];
}

/** One route: method (`ANY` for any) and path template (`/items/{id}`, `/{proxy+}`, or `$default`). */
export interface HttpRouteSpec {
  api: HttpApiSpec;
  method: string;
  path: string;
  payloadFormat: '1.0' | '2.0';
  /** API Gateway's integration timeout (`TimeoutInMillis`; 29 s for REST, 30 s for HTTP APIs); a URL has none. */
  timeoutMs: number | undefined;
  /** The event's name in the template (the function's id for a URL). */
  event: string;
}

export interface DiscoveryResult {
  functions: FunctionSpec[];
  problems: TemplateProblem[];
  /** Workspace-relative paths of every template file found (read or not), to know when to re-read. */
  templates: string[];
}

/** Values a template may refer to that come from where it runs (`AWS::Region`, ...). */
export interface PseudoParameters {
  region: string;
  accountId: string;
}

export const SUPPORTED_RUNTIME = /^(nodejs\d+\.x|python3\.\d+|provided(\.al2|\.al2023)?)$/;
export const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface LambdaSettings {
  region: string;
  accountConcurrency: number;
  unreservedMinimum: number;
  idleSeconds: number;
  retryDelaysMs: number[];
  /** `nodejs22.x` → a node binary, `python3.12` → a python (see runtime/interpreters.ts). */
  interpreters?: Record<string, string>;
}

/** One finished invocation (the UI shows the recent ones; the API answers with it): the shared shape, with the raw payload. */
export interface Invocation extends Omit<LambdaInvocation, 'payload'> {
  payload: Buffer;
  /** The Content-Type of a response the function streamed. */
  streamedContentType?: string;
}

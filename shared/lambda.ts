/**
 * REST types of the Lambda sidebar (`/api/workspaces/:id/lambda/...`, see docs/api.md).
 * The AWS-compatible API (`/lambda/<workspaceId>/2015-03-31/...`) speaks AWS's own shapes instead.
 */

/** A template (or one function in it) that could not be used, with where and why. */
export interface TemplateProblem {
  /** Workspace-relative path of the template. */
  file: string;
  line?: number;
  column?: number;
  /** Logical id of the resource, when the problem is about one function. */
  logicalId?: string;
  message: string;
  /** A warning: the template or function is still read (absent: what it names was left out). */
  severity?: 'warning';
  /** A template parameter without a value: the sidebar asks for one. */
  parameter?: string;
  /** A function that is defined but cannot run locally (container image, code in S3): listed with the reason. */
  unavailable?: { name: string };
}

export interface LambdaFunctionSummary {
  name: string;
  logicalId: string;
  /** Workspace-relative template path and the line of the resource. */
  template: string;
  line: number;
  runtime: string;
  handler: string;
  /** Workspace-relative code folder ('' is the workspace root); undefined for inline code. */
  codeUri?: string;
  timeout: number;
  memorySize: number;
  reservedConcurrency?: number;
  /** Execution environments alive now, and how many of them are running an invocation. */
  environments: number;
  busy: number;
  /** Events declared in the template (`Api`, `Schedule`, ...), for display. */
  events: { name: string; type: string }[];
  /** Values that could not be resolved locally, and similar non-fatal notes. */
  warnings: string[];
  /** Its last build (dependencies, esbuild, make, layers), while it runs and after: what it printed. */
  build?: { state: 'building' | 'built' | 'failed'; log: string; at: string };
  /** Its HTTP routes, served locally (`Api`, `HttpApi` events, a function URL). */
  routes: LambdaHttpRoute[];
  /** Its environment variables: the template's, with the workspace's `.nimbus/env.json` over them. */
  environment: Record<string, string>;
  /** Its template's parameters and the values they have (the run view changes them). */
  parameters: TemplateParameterView[];
}

/** A template parameter, its value and where the value comes from. */
export interface TemplateParameterView {
  name: string;
  type: string;
  /** Absent when nothing gives it a value; `****` for `NoEcho` parameters. */
  value?: string;
  /** The workspace setting `lambda.parameterOverrides`, the samconfig file beside the template, the template's `Default`. */
  from: 'setting' | 'samconfig' | 'default' | 'none';
  description?: string;
  allowedValues?: string[];
  noEcho?: boolean;
}

/** A route of a local HTTP API, or a function URL. */
export interface LambdaHttpRoute {
  /** `GET`, `ANY`, ... */
  method: string;
  /** `/items/{id}`, `/{proxy+}`, or `$default` (anything the API's other routes do not take). */
  path: string;
  /** The URL path on this server (`/api-gw/<workspace>/<stage>/items/{id}`); the path's parameters left in. */
  url: string;
  api: { id: string; kind: 'rest' | 'http' | 'url'; stage: string };
  payloadFormat: '1.0' | '2.0';
  /** Callable by anyone, without the workspace's credentials (the owner's choice). */
  public: boolean;
  /** Another function's route with the same method and path is served instead. */
  shadowedBy?: string;
}

/** One run in a function's history (the last 50 are kept on the server): the invocation, who, and the event. */
export interface LambdaRun extends LambdaInvocation {
  /** Who ran it: a person's name and role (`Ann (owner)`), or what did (`Lambda API`, `HTTP API`, an event source). */
  by: string;
  /** The event, as sent (its first 64 KB). */
  event: string;
}

/** `PUT /api/workspaces/:id/lambda/apis/public` (owner only). */
export interface LambdaPublicApiRequest {
  apiId: string;
  public: boolean;
}

export interface LambdaFunctionList {
  functions: LambdaFunctionSummary[];
  /** The workspace's region and 12-digit account id (in its ARNs). */
  region: string;
  accountId: string;
  problems: TemplateProblem[];
  /** Account-level concurrency of this workspace. */
  concurrency: { limit: number; unreserved: number };
}

/** `GET /api/workspaces/:id/lambda/credentials` (owner only): the server's AWS credentials functions get. */
export interface LambdaCredentialsView {
  /** null: functions get no AWS credentials. */
  choice: { profile: string; forShares: boolean } | null;
  /** Profile names of the server's AWS configuration (no secrets). */
  profiles: string[];
}

export interface LambdaInvokeRequest {
  /** The event as JSON text (validated as JSON by the server, like Lambda does). */
  payload: string;
  /** The person's name (shown in the run history, next to their role). */
  by?: string;
}

export interface LambdaInvocation {
  requestId: string;
  functionName: string;
  invocationType: 'RequestResponse' | 'Event';
  /** For async invocations: which attempt this was (1 = first, up to 3). */
  attempt: number;
  startedAt: string;
  /** The response (or error) body as text. */
  payload: string;
  /** 'Unhandled' when the function failed (an exception, a timeout, a crash, too much memory). */
  functionError?: 'Unhandled';
  errorType?: string;
  /** The invocation's log: START, the function's output, END, REPORT. */
  log: string;
  durationMs: number;
  billedDurationMs: number;
  memorySizeMb: number;
  maxMemoryUsedMb: number;
  /** Set on cold starts. */
  initDurationMs?: number;
}

/** Environment variable names whose values are secrets: masked in logs and responses, shown as dots. */
export const SECRET_NAME = /secret|passw(or)?d|pwd|token|api[-_]?key|private[-_]?key|credential|auth/i;

/** Where the Remote section lists functions: a region, a profile of the server's AWS configuration, an endpoint. */
export interface LambdaRemoteTarget {
  region: string;
  profile: string;
  /** A Lambda-compatible API instead of AWS's (LocalStack, another Nimbus workspace's `/lambda/<id>`). */
  endpoint?: string;
}

/** `GET /api/workspaces/:id/lambda/remote/functions` (owner only): one page of ListFunctions. */
export interface LambdaRemotePage {
  functions: LambdaRemoteFunction[];
  /** Pass back as `marker` for the next page; absent on the last. */
  nextMarker?: string;
}

export interface LambdaRemoteFunction {
  name: string;
  runtime?: string;
  memorySize?: number;
  lastModified?: string;
  description?: string;
  /** `Image` functions cannot be imported (their code is a container image). */
  packageType: 'Zip' | 'Image';
}

/** `POST /api/workspaces/:id/lambda/remote/import` (owner only). */
export interface LambdaImportRequest extends LambdaRemoteTarget {
  name: string;
  /** When the folder (or the function) exists: refuse (409 `exists`), replace it, or import as a copy. */
  conflict?: 'fail' | 'overwrite' | 'copy';
}

/** The import's answer is a stream of JSON lines: progress, then `done` or `error`. */
export type LambdaImportProgress =
  | { stage: 'function'; name: string }
  | { stage: 'download'; bytes: number; total?: number }
  | { stage: 'unzip'; entries: number; totalEntries: number; bytes: number }
  | { stage: 'template'; file: string }
  | { stage: 'done'; name: string; folder: string; logicalId: string; template: string; handler?: string }
  | { stage: 'error'; code: string; message: string };

/** API Gateway's time format in events (`requestContext.requestTime`, `time`): `12/Mar/2020:19:03:58 +0000`. */
export function gatewayTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

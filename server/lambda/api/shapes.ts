import { createHash } from 'node:crypto';
import type { LambdaFunctionSummary, LambdaInvocation } from '../../../shared/lambda.js';
import { codeDigest } from '../code.js';
import type { HttpRouteSpec } from '../types.js';
import type { FunctionEntry, Invocation, WorkspaceLambda } from '../WorkspaceLambda.js';

const digests = new WeakMap<FunctionEntry, { at: number; value: Promise<{ sha256: string; size: number }> }>();

/** CodeSha256/CodeSize, computed once per code change. */
function digestOf(entry: FunctionEntry): Promise<{ sha256: string; size: number }> {
  const at = entry.lastModified.getTime();
  const cached = digests.get(entry);
  if (cached && cached.at === at) return cached.value;
  const value = codeDigest(entry.spec.codeDir);
  digests.set(entry, { at, value });
  return value;
}

/** Lambda's LastModified format: `2024-01-31T12:00:00.000+0000`. */
const lambdaDate = (d: Date): string => d.toISOString().replace('Z', '+0000');

function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The FunctionConfiguration shape of GetFunctionConfiguration, GetFunction and ListFunctions. */
export async function functionConfiguration(svc: WorkspaceLambda, entry: FunctionEntry): Promise<Record<string, unknown>> {
  const { spec } = entry;
  const digest = await digestOf(entry);
  const base = `arn:aws:lambda:${svc.region}:${svc.accountId}`;
  return {
    FunctionName: spec.name,
    FunctionArn: svc.functionArn(spec.name),
    Runtime: spec.runtime,
    Role: spec.role ?? `arn:aws:iam::${svc.accountId}:role/nimbus-local`,
    Handler: spec.handler,
    CodeSize: digest.size,
    Description: spec.description,
    Timeout: spec.timeout,
    MemorySize: spec.memorySize,
    LastModified: lambdaDate(entry.lastModified),
    CodeSha256: digest.sha256,
    Version: '$LATEST',
    ...(Object.keys(spec.environment).length > 0 ? { Environment: { Variables: spec.environment } } : {}),
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: uuidFrom(`${JSON.stringify(spec)}|${entry.lastModified.getTime()}|${digest.sha256}`),
    ...(spec.layers.length > 0 ? { Layers: spec.layers.map((l) => ({ Arn: `${base}:layer:${l.logicalId}:1`, CodeSize: 0 })) } : {}),
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: spec.architectures,
    EphemeralStorage: { Size: spec.ephemeralStorage },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${spec.name}` },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
  };
}

export async function accountSettings(svc: WorkspaceLambda): Promise<Record<string, unknown>> {
  const entries = svc.list();
  const sizes = await Promise.all(entries.map((e) => digestOf(e).then((d) => d.size)));
  return {
    AccountLimit: {
      TotalCodeSize: 80530636800,
      CodeSizeUnzipped: 262144000,
      CodeSizeZipped: 52428800,
      ConcurrentExecutions: svc.concurrency.accountLimit,
      UnreservedConcurrentExecutions: svc.concurrency.unreservedLimit,
    },
    AccountUsage: { TotalCodeSize: sizes.reduce((a, b) => a + b, 0), FunctionCount: entries.length },
  };
}

export function functionSummary(svc: WorkspaceLambda, entry: FunctionEntry, publicApis: Set<string> = new Set()): LambdaFunctionSummary {
  const { spec, pool } = entry;
  const shadowed = new Map(
    svc
      .routeTable()
      .conflicts.filter((c) => c.functionName === spec.name)
      .map((c) => [c.route, c.shadowedBy]),
  );
  const reserved = svc.concurrency.reservedFor(spec.name);
  const build = svc.buildOf(spec.name);
  return {
    name: spec.name,
    logicalId: spec.logicalId,
    template: spec.template,
    line: spec.line,
    runtime: spec.runtime,
    handler: spec.handler,
    ...(spec.codeUri !== undefined ? { codeUri: spec.codeUri } : {}),
    timeout: spec.timeout,
    memorySize: spec.memorySize,
    ...(reserved !== undefined ? { reservedConcurrency: reserved } : {}),
    environments: pool.environments,
    busy: pool.busy,
    events: spec.events,
    warnings: spec.warnings,
    ...(build ? { build } : {}),
    environment: spec.environment,
    parameters: spec.parameters ?? [],
    routes: spec.routes.map((r) => {
      const shadowedBy = shadowed.get(r);
      return {
        method: r.method,
        path: r.path,
        url: routeUrl(svc.workspaceId, r),
        api: { id: r.api.id, kind: r.api.kind, stage: r.api.stage },
        payloadFormat: r.payloadFormat,
        public: publicApis.has(r.api.id),
        ...(shadowedBy !== undefined ? { shadowedBy } : {}),
      };
    }),
  };
}

/** Where a route is served on this server (see apigw/gateway.ts). */
function routeUrl(workspaceId: string, r: HttpRouteSpec): string {
  const base = r.api.kind === 'url' ? `/lambda-url/${workspaceId}/${r.api.stage}` : `/api-gw/${workspaceId}/${r.api.stage}`;
  return r.path === '$default' ? `${base}/` : `${base}${r.path}`;
}

export function invocationView(inv: Invocation): LambdaInvocation {
  return { ...inv, payload: inv.payload.toString('utf8') };
}

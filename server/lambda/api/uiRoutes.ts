import fs from 'node:fs';
import express, { type Request, type Router } from 'express';
import { z } from 'zod';
import type { LambdaCredentialsView, LambdaFunctionList } from '../../../shared/lambda.js';
import { PROFILE_NAME } from '../credentials.js';
import { allows, principalOf, type Need, workspaceOfRoute } from '../../auth/index.js';
import path from 'node:path';
import { resolveInside, writeFileAtomic } from '../../files/index.js';
import { addResource, TemplateEditError } from '../create/addResource.js';
import { BLUEPRINTS, blueprintFiles, CREATE_RUNTIMES } from '../create/blueprints.js';
import { HttpError, validate } from '../../http/index.js';
import { FUNCTION_NAME } from '../types.js';
import { LambdaError } from '../errors.js';
import type { LambdaFeature } from '../LambdaFeature.js';
import type { WorkspaceLambda } from '../WorkspaceLambda.js';
import { SYNC_PAYLOAD_BYTES } from './awsRoutes.js';
import { lambdaRemoteRoutes, readWorkspaceTemplate } from './remoteRoutes.js';
import { functionSummary, invocationView } from './shapes.js';

const createBody = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{0,63}$/, 'a name of letters and digits, starting with a letter (it is also the logical ID)'),
    runtime: z.enum(CREATE_RUNTIMES),
    blueprint: z.enum(BLUEPRINTS),
    event: z
      .string()
      .max(256 * 1024)
      .optional(),
  })
  .strict();
const publicApiBody = z.object({ apiId: z.string().min(1).max(1200), public: z.boolean() }).strict();
/** Names Lambda reserves for itself (its own variables cannot be set by a function's configuration either). */
const RESERVED_VARIABLE =
  /^(_HANDLER|_X_AMZN_TRACE_ID|AWS_REGION|AWS_EXECUTION_ENV|AWS_LAMBDA_.*|AWS_ACCESS_KEY(_ID)?|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN|LAMBDA_TASK_ROOT|LAMBDA_RUNTIME_DIR)$/;
const environmentOverrides = z
  .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/), z.string().max(4096))
  .refine((env) => Object.keys(env).length <= 100, 'at most 100 variables')
  .refine(
    (env) => !Object.keys(env).some((k) => RESERVED_VARIABLE.test(k)),
    'a variable Lambda reserves cannot be set (AWS_REGION, AWS_LAMBDA_*, …)',
  );
const invokeBody = z
  .object({
    payload: z.string().max(SYNC_PAYLOAD_BYTES),
    by: z.string().max(40).optional(),
    environment: environmentOverrides.optional(),
    /** The run view's id for this run: its output is published as it comes (`lambda-log` events). */
    runId: z
      .string()
      .regex(/^[\w-]{1,64}$/)
      .optional(),
  })
  .strict();
const credentialsBody = z
  .object({
    choice: z
      .object({ profile: z.string().regex(PROFILE_NAME), forShares: z.boolean() })
      .strict()
      .nullable(),
  })
  .strict();

/** Lambda errors in the REST API's shape: `{ error: { code: 'TooManyRequestsException', message } }`. */
async function asHttp<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof LambdaError) {
      const reason = err.fields.Reason ? ` (${err.fields.Reason})` : '';
      throw new HttpError(`${err.message}${reason}`, err.status, err.code);
    }
    throw err;
  }
}

/** The sidebar's routes (browser session auth): list functions, invoke one, see recent invocations. */
export function lambdaUiRoutes(feature: LambdaFeature): Router {
  const router = express.Router();
  router.use(lambdaRemoteRoutes(feature));

  const serviceFor = async (req: Request, need: Need): Promise<WorkspaceLambda> => {
    const id = workspaceOfRoute(req, need, feature.deps.workspaces.exists);
    if (!allows(principalOf(req), id, 'write') && feature.deps.workspaces.isAsleep(id)) {
      throw new HttpError('the workspace is hibernated: someone who can edit it wakes it', 409, 'workspace_hibernated');
    }
    return feature.service(id);
  };

  router.get('/api/workspaces/:id/lambda/functions', async (req, res) => {
    const svc = await serviceFor(req, 'read');
    const list: LambdaFunctionList = {
      functions: svc.list().map((e) => functionSummary(svc, e, feature.publicApis.list(svc.workspaceId))),
      region: svc.region,
      accountId: svc.accountId,
      problems: svc.templateProblems(),
      concurrency: { limit: svc.concurrency.accountLimit, unreserved: svc.concurrency.unreservedLimit },
    };
    res.json(list);
  });

  router.post('/api/workspaces/:id/lambda/functions/:name/invoke', async (req, res) => {
    const svc = await serviceFor(req, 'write');
    const { payload, by, environment, runId } = validate(invokeBody, req.body);
    const text = payload.trim() === '' ? '{}' : payload;
    try {
      JSON.parse(text);
    } catch (err) {
      throw new HttpError(`the payload is not JSON: ${(err as Error).message}`, 400, 'InvalidRequestContentException');
    }
    const name = String(req.params.name);
    if (!svc.get(name)) throw new HttpError(`function ${name} not found`, 404, 'ResourceNotFoundException');
    const principal = principalOf(req);
    const role = principal.role === 'owner' ? 'owner' : `${principal.role} link`;
    const who = by?.trim() ? `${by.trim()} (${role})` : role;
    // The output while it runs goes to the workspace's clients every 100 ms (the run view shows it live).
    let pending = '';
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      if (!pending || !runId) return;
      feature.deps.events.publish(svc.workspaceId, { type: 'lambda-log', functionName: name, runId, by: who, text: pending });
      pending = '';
    };
    const onLog = (chunk: string): void => {
      pending = (pending + chunk).slice(-64 * 1024);
      timer ??= setTimeout(flush, 100);
    };
    let inv;
    try {
      inv = await asHttp(() =>
        svc.invoke(name, Buffer.from(text), {
          asOwner: principal.role === 'owner',
          by: who,
          ...(environment ? { environment } : {}),
          ...(runId ? { onLog } : {}),
        }),
      );
    } finally {
      clearTimeout(timer);
      // Collaborators who watched the run live take it off their view (its result is in the history now).
      if (runId)
        feature.deps.events.publish(svc.workspaceId, { type: 'lambda-log', functionName: name, runId, by: who, text: '', done: true });
    }
    res.json(invocationView(inv));
  });

  // New function from a blueprint: its code in a folder of its own, its resource in template.yaml (nothing
  // else of the template changes), and a sample event saved for it.
  router.post('/api/workspaces/:id/lambda/functions', async (req, res) => {
    const svc = await serviceFor(req, 'write');
    const body = validate(createBody, req.body);
    if (body.event !== undefined) {
      try {
        JSON.parse(body.event);
      } catch {
        throw new HttpError('the sample event is not JSON', 400, 'invalid_event');
      }
    }
    const root = feature.deps.workspaces.rootOf(svc.workspaceId);
    const folder = resolveInside(root, body.name);
    if (fs.existsSync(folder.abs)) throw new HttpError(`${body.name} exists already in the workspace: choose another name`, 409, 'exists');
    if (svc.get(body.name)) throw new HttpError(`a function ${body.name} exists already`, 409, 'exists');
    const templatePath = resolveInside(root, 'template.yaml');
    const template = await readWorkspaceTemplate(templatePath.abs);
    const files = blueprintFiles(body.blueprint, body.runtime, body.name);
    const resource = `    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: ${body.name}/\n      Handler: ${files.handler}\n      Runtime: ${body.runtime}\n      Timeout: 10\n${files.properties}`;
    let next: string;
    try {
      next = addResource(template, body.name, resource);
    } catch (err) {
      if (err instanceof TemplateEditError) throw new HttpError(`template.yaml: ${err.message}`, 409, 'template_not_editable');
      throw err;
    }
    const handlerPath = `${body.name}/${files.file}`;
    await fs.promises.mkdir(folder.abs, { recursive: true });
    await writeFileAtomic(root, resolveInside(root, handlerPath).abs, files.code);
    if (body.event !== undefined) {
      const eventFile = resolveInside(root, `.nimbus/events/${body.name}/sample.json`).abs;
      await fs.promises.mkdir(path.dirname(eventFile), { recursive: true });
      await writeFileAtomic(root, eventFile, body.event);
    }
    await writeFileAtomic(root, templatePath.abs, next);
    await svc.reload();
    res.status(201).json({ name: body.name, handler: handlerPath, template: 'template.yaml' });
  });

  // Saved test events (`.nimbus/events/<function>/<name>.json`): their names, none when the folder is absent.
  router.get('/api/workspaces/:id/lambda/functions/:name/events', async (req, res) => {
    const id = workspaceOfRoute(req, 'read', feature.deps.workspaces.exists);
    const name = String(req.params.name);
    if (!FUNCTION_NAME.test(name)) throw new HttpError('not a function name', 400, 'invalid_name');
    let dir: string;
    try {
      dir = resolveInside(feature.deps.workspaces.rootOf(id), `.nimbus/events/${name}`).abs;
    } catch {
      return void res.json({ events: [] });
    }
    const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
    const events = entries
      .filter((e) => e.isFile() && e.name.endsWith('.json'))
      .map((e) => e.name.slice(0, -'.json'.length))
      .sort((a, b) => a.localeCompare(b))
      .slice(0, 500);
    res.json({ events });
  });

  // Opening an API to anyone is the owner's call alone (a share's user could otherwise expose the workspace).
  router.put('/api/workspaces/:id/lambda/apis/public', async (req, res) => {
    const id = workspaceOfRoute(req, 'owner', feature.deps.workspaces.exists);
    const body = validate(publicApiBody, req.body);
    const svc = await feature.service(id);
    if (
      !svc
        .routeTable()
        .routes()
        .some(({ route }) => route.api.id === body.apiId)
    ) {
      throw new HttpError(`no API ${body.apiId} in this workspace's templates`, 404, 'not_found');
    }
    feature.publicApis.set(id, body.apiId, body.public);
    feature.deps.events.publish(id, { type: 'lambda', change: 'functions' });
    res.json({ apiId: body.apiId, public: body.public });
  });

  // The run history: the last 50 runs of a function (or of the workspace), kept across restarts.
  router.get('/api/workspaces/:id/lambda/invocations', (req, res) => {
    const id = workspaceOfRoute(req, 'read', feature.deps.workspaces.exists);
    const fn = typeof req.query.function === 'string' ? req.query.function : undefined;
    res.json(feature.history.list(id, fn));
  });

  // Which of the server's AWS credentials functions get: the owner's choice alone (a share cannot see or
  // change it). Only profile names leave the server, never a secret.
  router.get('/api/workspaces/:id/lambda/credentials', async (req, res) => {
    const id = workspaceOfRoute(req, 'owner', feature.deps.workspaces.exists);
    const view: LambdaCredentialsView = {
      choice: feature.credentialChoices.get(id) ?? null,
      profiles: await feature.serverCredentials.profiles(),
    };
    res.json(view);
  });

  router.put('/api/workspaces/:id/lambda/credentials', async (req, res) => {
    const id = workspaceOfRoute(req, 'owner', feature.deps.workspaces.exists);
    const { choice } = validate(credentialsBody, req.body);
    if (choice) {
      // Checked now, so the owner hears at once that a profile does not work (the secret stays here).
      try {
        await feature.serverCredentials.get(choice.profile);
      } catch (err) {
        throw new HttpError(
          `the credentials of profile ${choice.profile} could not be loaded: ${(err as Error).message}`,
          400,
          'credentials_unavailable',
        );
      }
    }
    feature.credentialChoices.set(id, choice ?? undefined);
    feature.peek(id)?.credentialsChanged();
    res.json({ choice: choice ?? null });
  });

  return router;
}

import fs from 'node:fs';
import path from 'node:path';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { LambdaImportProgress, LambdaRemoteTarget } from '../../../shared/lambda.js';
import { workspaceOfRoute } from '../../auth/index.js';
import { resolveInside, writeFileAtomic } from '../../files/index.js';
import { HttpError, validate } from '../../http/index.js';
import { hasResource, putResource, addResource, TemplateEditError } from '../create/addResource.js';
import { PROFILE_NAME } from '../credentials.js';
import type { LambdaFeature } from '../LambdaFeature.js';
import { importedResource, logicalIdOf, RemoteError, RemoteFunctions } from '../remote/RemoteFunctions.js';
import { FUNCTION_NAME } from '../types.js';

const target = {
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'a region such as us-east-1'),
  profile: z.string().regex(PROFILE_NAME, 'a profile name of the server’s AWS configuration'),
  endpoint: z
    .string()
    .max(2048)
    .url()
    .refine((u) => /^https?:\/\//i.test(u), 'an http(s) URL')
    .optional(),
};
const listQuery = z.object({ ...target, marker: z.string().max(4096).optional() }).strict();
const importBody = z
  .object({
    ...target,
    name: z.string().regex(FUNCTION_NAME, 'a function name (letters, digits, - and _)'),
    conflict: z.enum(['fail', 'overwrite', 'copy']).optional(),
  })
  .strict();

const targetOf = (b: { region: string; profile: string; endpoint?: string | undefined }): LambdaRemoteTarget => ({
  region: b.region,
  profile: b.profile,
  ...(b.endpoint ? { endpoint: b.endpoint } : {}),
});

const asHttp = (err: unknown): unknown => (err instanceof RemoteError ? new HttpError(err.message, err.status, err.code) : err);

/**
 * The Remote section (owner only: it signs with the server's AWS credentials, which a share's user must
 * not be able to use): list the functions of an account or endpoint, and import one into the workspace.
 */
export function lambdaRemoteRoutes(feature: LambdaFeature, remote = new RemoteFunctions(feature.serverCredentials)): Router {
  const router = express.Router();

  router.get('/api/workspaces/:id/lambda/remote/functions', async (req, res) => {
    workspaceOfRoute(req, 'owner', feature.deps.workspaces.exists);
    const q = validate(listQuery, req.query);
    try {
      res.json(await remote.list(targetOf(q), q.marker));
    } catch (err) {
      throw asHttp(err);
    }
  });

  // The import answers JSON lines as it goes (function, download, unzip, template), then `done` or `error`.
  // What can be refused before anything is fetched (a name taken, a template that cannot be edited) is an
  // ordinary error answer instead.
  router.post('/api/workspaces/:id/lambda/remote/import', async (req, res) => {
    const id = workspaceOfRoute(req, 'owner', feature.deps.workspaces.exists);
    const body = validate(importBody, req.body);
    const svc = await feature.service(id);
    const root = feature.deps.workspaces.rootOf(id);
    const templatePath = resolveInside(root, 'template.yaml').abs;
    const template = await readWorkspaceTemplate(templatePath);
    const taken = (name: string): boolean =>
      fs.existsSync(path.join(root, name)) || svc.get(name) !== undefined || hasResource(template, logicalIdOf(name));
    let name = body.name;
    const conflict = body.conflict ?? 'fail';
    if (taken(name)) {
      if (conflict === 'fail') {
        throw new HttpError(`${name} exists already in the workspace: overwrite it or import it as a copy`, 409, 'exists');
      }
      if (conflict === 'copy') {
        for (let n = 1; taken(name); n++) {
          const suffix = n === 1 ? '-copy' : `-copy-${n}`;
          name = `${body.name.slice(0, 64 - suffix.length)}${suffix}`;
        }
      } else {
        const existing = svc.get(name);
        if (existing && (existing.spec.template !== 'template.yaml' || existing.spec.logicalId !== logicalIdOf(name))) {
          throw new HttpError(
            `${name} is defined as ${existing.spec.logicalId} in ${existing.spec.template}: remove it there, or import as a copy`,
            409,
            'defined_elsewhere',
          );
        }
      }
    }
    const logicalId = logicalIdOf(name);
    // Checked before anything is fetched: the template must take the resource.
    try {
      (conflict === 'overwrite' ? putResource : addResource)(template, logicalId, '    Type: AWS::Serverless::Function\n');
    } catch (err) {
      if (err instanceof TemplateEditError) throw new HttpError(`template.yaml: ${err.message}`, 409, 'template_not_editable');
      throw err;
    }

    res.status(200).setHeader('content-type', 'application/x-ndjson; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    const send = (p: LambdaImportProgress): void => void res.write(`${JSON.stringify(p)}\n`);
    let staging: string | undefined;
    try {
      send({ stage: 'function', name: body.name });
      const fetched = await remote.fetch(targetOf(body), body.name, feature.deps.workspaces.cacheDir(id), send);
      staging = fetched.staging;
      const folder = path.join(root, name);
      if (conflict === 'overwrite') await fs.promises.rm(folder, { recursive: true, force: true });
      await moveInto(staging, folder);
      staging = undefined;
      send({ stage: 'template', file: 'template.yaml' });
      // Read again: someone may have edited it during the download.
      const current = await readWorkspaceTemplate(templatePath);
      const next = putResource(current, logicalId, importedResource(fetched, name, `${name}/`));
      await writeFileAtomic(root, templatePath, next);
      await svc.reload();
      const handler = await handlerFile(folder, fetched.configuration.Handler, fetched.configuration.Runtime);
      send({
        stage: 'done',
        name,
        folder: name,
        logicalId,
        template: 'template.yaml',
        ...(handler ? { handler: `${name}/${handler}` } : {}),
      });
      feature.deps.log.info({ workspaceId: id, function: body.name, as: name, endpoint: body.endpoint }, 'imported a remote function');
    } catch (err) {
      const e = asHttp(err);
      const code = e instanceof HttpError ? e.code : 'import_failed';
      const message = e instanceof HttpError ? e.message : `the import failed: ${(err as Error).message}`;
      if (!(e instanceof HttpError)) feature.deps.log.warn({ err, workspaceId: id }, 'a remote import failed');
      send({ stage: 'error', code, message });
    } finally {
      if (staging) await fs.promises.rm(staging, { recursive: true, force: true });
      res.end();
    }
  });

  return router;
}

/** The workspace's `template.yaml` to add a resource to (undefined when there is none; refused past 1 MB). */
export async function readWorkspaceTemplate(abs: string): Promise<string | undefined> {
  try {
    const st = await fs.promises.stat(abs);
    if (st.size > 1024 * 1024) throw new HttpError('template.yaml is larger than 1 MB', 409, 'template_too_large');
    return await fs.promises.readFile(abs, 'utf8');
  } catch (err) {
    if (err instanceof HttpError) throw err;
    return undefined;
  }
}

/** Moves the unpacked code into the workspace (copied when the data dir is on another file system). */
async function moveInto(staging: string, folder: string): Promise<void> {
  try {
    await fs.promises.rename(staging, folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
    await fs.promises.cp(staging, folder, { recursive: true, verbatimSymlinks: true, errorOnExist: true, force: false });
    await fs.promises.rm(staging, { recursive: true, force: true });
  }
}

/** The file of `index.handler` in the imported folder (to open it), if it is there. */
async function handlerFile(folder: string, handler: string | undefined, runtime: string | undefined): Promise<string | undefined> {
  if (!handler) return undefined;
  const python = runtime?.startsWith('python') ?? false;
  const dotted = handler.slice(0, handler.lastIndexOf('.'));
  // Python's `pkg.module.handler` is pkg/module.py; Node's `src/index.handler` is src/index.js.
  const module = python ? dotted.replace(/\./g, '/') : dotted;
  if (!module || module.split('/').includes('..')) return undefined;
  const exts = python ? ['.py'] : runtime?.startsWith('nodejs') ? ['.mjs', '.js', '.cjs', '.ts'] : [''];
  for (const ext of exts) {
    const rel = `${module}${ext}`;
    const st = await fs.promises.stat(path.join(folder, rel)).catch(() => undefined);
    if (st?.isFile()) return rel;
  }
  return undefined;
}

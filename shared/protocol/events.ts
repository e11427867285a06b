/**
 * The workspace event socket: `ws://HOST/ws/workspaces/<id>/events`, JSON text frames, server → client only.
 * It tells every open IDE about changes to the workspace's files, whoever made them.
 */
import { z } from 'zod';
import { terminalInfo } from './terminal.js';

export const MAX_CHANGES_PER_EVENT = 2000;

export const fileChangeKind = z.enum(['add', 'addDir', 'change', 'unlink', 'unlinkDir']);
export type FileChangeKind = z.infer<typeof fileChangeKind>;

export const workspaceEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), workspaceId: z.string(), role: z.enum(['owner', 'write', 'read']) }),
  z.object({
    type: z.literal('files'),
    /** `indexed: false`: an added file that quick open does not list (.gitignore'd). */
    changes: z.array(z.object({ kind: fileChangeKind, path: z.string(), indexed: z.boolean().optional() })).max(MAX_CHANGES_PER_EVENT),
    /** More changed than one event carries (a git checkout): reload the tree instead of patching it. */
    truncated: z.boolean().optional(),
  }),
  /** The workspace's state; `reason` when it hibernated (`idle`: its timer; `request`: someone asked; `shutdown`: the server stopped). */
  z.object({
    type: z.literal('workspace'),
    state: z.enum(['running', 'paused', 'hibernated']),
    reason: z.enum(['idle', 'request', 'shutdown']).optional(),
  }),
  /** The workspace will hibernate at `at` unless someone uses it; `null`: no longer (activity came). */
  z.object({ type: z.literal('hibernating'), at: z.string().nullable() }),
  /** Someone pressed "Stay awake". */
  z.object({ type: z.literal('stay-awake'), by: z.string().max(100) }),
  /** The workspace's terminals changed (opened, renamed, closed, exited): the full list. */
  z.object({ type: z.literal('terminals'), terminals: z.array(terminalInfo) }),
  /** Lambda: the functions changed (templates re-read, code changed) or an invocation finished. */
  z.object({ type: z.literal('lambda'), change: z.enum(['functions', 'invocation']), functionName: z.string().optional() }),
  /** Lambda: what a running function printed since the last such event (a run view's live log; `runId` is the run view's). */
  /** What a run started from a run view prints, as it comes (`by`: who runs it); `done` once it has ended. */
  z.object({
    type: z.literal('lambda-log'),
    functionName: z.string(),
    runId: z.string(),
    by: z.string().optional(),
    text: z.string(),
    done: z.boolean().optional(),
  }),
]);
export type WorkspaceEvent = z.infer<typeof workspaceEvent>;

export const encodeWorkspaceEvent = (event: WorkspaceEvent): string => JSON.stringify(event);

export function decodeWorkspaceEvent(text: string): WorkspaceEvent | undefined {
  try {
    const parsed = workspaceEvent.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

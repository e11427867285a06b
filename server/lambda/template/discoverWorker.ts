/** The template thread's entry point: reads a workspace's templates when asked (see TemplateThread). */
import { parentPort } from 'node:worker_threads';
import type { PseudoParameters } from '../types.js';
import { discoverFunctions } from './discover.js';

parentPort?.on('message', (message: { id: number; root: string; pseudo: PseudoParameters }) => {
  discoverFunctions(message.root, message.pseudo).then(
    (result) => parentPort?.postMessage({ id: message.id, result }),
    (err: unknown) => parentPort?.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) }),
  );
});

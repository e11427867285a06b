import type { z } from 'zod';
import { HttpError } from './HttpError.js';

/** Parses untrusted input with a zod schema; a failure is a 400 naming the first problem. */
export function validate<T extends z.ZodType>(schema: T, input: unknown, what = 'request body'): z.infer<T> {
  const result = schema.safeParse(input);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new HttpError(`invalid ${what}${where}: ${issue?.message ?? 'malformed'}`, 400, 'invalid_request');
  }
  return result.data;
}

import type { EnvOutcome } from './runtime/Environment.js';
import { toMb } from './runtime/memory.js';

const withNewline = (text: string): string => (text === '' || text.endsWith('\n') ? text : `${text}\n`);

/**
 * One invocation's log as Lambda writes it to CloudWatch: init output (cold starts), START, the function's
 * output, Lambda's own notes (a timeout, a crash), END, and REPORT with durations and memory.
 */
export function formatInvocationLog(requestId: string, outcome: EnvOutcome, memorySizeMb: number, runtime: string): string {
  const duration = outcome.durationMs;
  const report = [
    `REPORT RequestId: ${requestId}`,
    `Duration: ${duration.toFixed(2)} ms`,
    `Billed Duration: ${billedMs(duration)} ms`,
    `Memory Size: ${memorySizeMb} MB`,
    `Max Memory Used: ${toMb(outcome.maxMemoryBytes)} MB`,
  ];
  if (outcome.initDurationMs !== undefined) report.push(`Init Duration: ${outcome.initDurationMs.toFixed(2)} ms`);
  if (outcome.status) report.push(`Status: ${outcome.status}`);
  if (outcome.status === 'error' && outcome.errorType) report.push(`Error Type: ${outcome.errorType}`);
  const cold = outcome.initDurationMs !== undefined || outcome.notes.some((n) => n.startsWith('INIT_REPORT'));
  return (
    // The version that really runs (and, when it is not the template's runtime, a plain word about it).
    (cold ? `INIT_START Runtime Version: ${outcome.runtimeVersion ?? runtime}\n` : '') +
    (cold && outcome.runtimeNote ? `NIMBUS: ${outcome.runtimeNote}\n` : '') +
    withNewline(outcome.initLog) +
    `START RequestId: ${requestId} Version: $LATEST\n` +
    withNewline(outcome.log) +
    outcome.notes.map((n) => `${n}\n`).join('') +
    `END RequestId: ${requestId}\n` +
    `${report.join('\t')}\t\n`
  );
}

/** Lambda bills in 1 ms steps. */
export const billedMs = (durationMs: number): number => Math.max(1, Math.ceil(durationMs));

/** The last 4 KB of a log, cut at a character boundary, base64 (X-Amz-Log-Result). */
export function logTail(log: string): string {
  const bytes = Buffer.from(log, 'utf8');
  let start = Math.max(0, bytes.length - 4096);
  // Skip UTF-8 continuation bytes so the tail starts on a whole character.
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start++;
  return bytes.subarray(start).toString('base64');
}

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { LambdaError } from '../errors.js';

/** The signer wants a SHA-256 constructor taking an optional HMAC key. */
class Sha256 extends Hash {
  constructor(secret?: ConstructorParameters<typeof Hash>[1]) {
    super('sha256', secret);
  }
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

const SKEW_MS = 15 * 60 * 1000;

const denied = (code: string, message: string): LambdaError => new LambdaError(code, 403, message);

/** `AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host;x-amz-date, Signature=…` */
export function parseAuthorization(header: string | undefined): ParsedAuthorization {
  if (!header) throw denied('MissingAuthenticationTokenException', 'Missing Authentication Token');
  const m = /^AWS4-HMAC-SHA256 +Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-f]{64})\s*$/.exec(header);
  if (!m)
    throw denied(
      'IncompleteSignatureException',
      'Authorization header requires Credential, SignedHeaders and Signature with the AWS4-HMAC-SHA256 algorithm.',
    );
  const scope = (m[1] as string).split('/');
  if (scope.length !== 5 || scope[4] !== 'aws4_request' || !/^\d{8}$/.test(scope[1] as string)) {
    throw denied('IncompleteSignatureException', 'Credential must have the form <access key id>/<date>/<region>/<service>/aws4_request.');
  }
  const [accessKeyId, date, region, service] = scope as [string, string, string, string];
  return { accessKeyId, date, region, service, signedHeaders: (m[2] as string).split(';'), signature: m[3] as string };
}

/** X-Amz-Date (`20240101T120000Z`) as a Date, refused when missing or more than 15 minutes off. */
export function requestDate(headers: IncomingHttpHeaders, auth: ParsedAuthorization, now = Date.now()): Date {
  const raw = headers['x-amz-date'];
  const m = typeof raw === 'string' ? /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(raw) : null;
  if (!m) throw denied('IncompleteSignatureException', 'Authorization requires the X-Amz-Date header (YYYYMMDDTHHMMSSZ).');
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (`${m[1]}${m[2]}${m[3]}` !== auth.date)
    throw denied('InvalidSignatureException', 'Date in Credential scope does not match the X-Amz-Date header.');
  if (Math.abs(now - date.getTime()) > SKEW_MS) {
    throw denied('InvalidSignatureException', `Signature expired: ${raw} is not within 15 minutes of the server's time.`);
  }
  return date;
}

/** Splits `/path?query` into the path as sent and decoded query values (SigV4 re-encodes them itself). */
function splitUrl(rawUrl: string): { path: string; query: Record<string, string | string[]> } {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query: Record<string, string | string[]> = {};
  if (q >= 0) {
    for (const part of rawUrl.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
      const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
      const prev = query[key];
      query[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
    }
  }
  return { path, query };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface SignedRequest {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * The signature a client holding `secret` would have computed for this request, by the SDK's own signer
 * (`@smithy/signature-v4`) over exactly the headers the client says it signed.
 */
export async function expectedSignature(req: SignedRequest, auth: ParsedAuthorization, date: Date, secret: string): Promise<string> {
  const headers: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const { path, query } = splitUrl(req.rawUrl);
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    region: auth.region,
    service: auth.service,
    sha256: Sha256,
    uriEscapePath: true,
    // The client's own x-amz-content-sha256 (checked against the body below) or the body's hash is used.
    applyChecksum: false,
  });
  const signed = await signer.sign(
    { method: req.method, protocol: 'http:', hostname: String(req.headers.host ?? ''), path, query, headers, body: req.body },
    { signingDate: date, signingRegion: auth.region, signingService: auth.service, signableHeaders: new Set(auth.signedHeaders) },
  );
  const authorization = String(signed.headers.authorization ?? signed.headers.Authorization ?? '');
  return /Signature=([0-9a-f]{64})/.exec(authorization)?.[1] ?? '';
}

/**
 * Checks a SigV4-signed request against candidate secrets; returns the candidate whose secret signed it.
 * Throws AWS's 403 errors for anything else.
 */
export async function verifySignature<T extends { secret: string }>(
  req: SignedRequest,
  auth: ParsedAuthorization,
  date: Date,
  candidates: Iterable<T>,
): Promise<T> {
  if (!auth.signedHeaders.includes('host')) throw denied('InvalidSignatureException', "'Host' must be a signed header.");
  const claimed = req.headers['x-amz-content-sha256'];
  if (typeof claimed === 'string' && claimed !== createHash('sha256').update(req.body).digest('hex')) {
    throw denied('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  const given = Buffer.from(auth.signature, 'hex');
  for (const candidate of candidates) {
    const expected = Buffer.from(await expectedSignature(req, auth, date, candidate.secret), 'hex');
    if (expected.length === given.length && timingSafeEqual(expected, given)) return candidate;
  }
  throw denied(
    'InvalidSignatureException',
    'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
  );
}

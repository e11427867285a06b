import { createHash } from 'node:crypto';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { SECRET_NAME } from '../../shared/lambda.js';
import type { Db, Migration } from '../store/index.js';

export const credentialMigrations: Migration[] = [
  {
    name: '011-lambda-credentials',
    sql: `CREATE TABLE lambda_credentials (
       workspace_id TEXT PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
       profile TEXT NOT NULL,
       for_shares INTEGER NOT NULL
     );`,
  },
];

/** Which of the server's AWS credentials a workspace's functions run with (owner's choice). */
export interface CredentialChoice {
  /** A profile of the server's AWS configuration (`default` is also the environment's credentials). */
  profile: string;
  /** Whether functions invoked by a share's user get them too (otherwise only the owner's invocations). */
  forShares: boolean;
}

export const PROFILE_NAME = /^[A-Za-z0-9_.+@-]{1,64}$/;

export class CredentialStore {
  constructor(private readonly db: Db) {}

  get(workspaceId: string): CredentialChoice | undefined {
    const row = this.db.prepare('SELECT profile, for_shares FROM lambda_credentials WHERE workspace_id = ?').get(workspaceId) as
      { profile: string; for_shares: number } | undefined;
    return row ? { profile: row.profile, forShares: row.for_shares === 1 } : undefined;
  }

  set(workspaceId: string, choice: CredentialChoice | undefined): void {
    if (!choice) {
      this.db.prepare('DELETE FROM lambda_credentials WHERE workspace_id = ?').run(workspaceId);
      return;
    }
    this.db
      .prepare(
        `INSERT INTO lambda_credentials (workspace_id, profile, for_shares) VALUES (?, ?, ?)
         ON CONFLICT (workspace_id) DO UPDATE SET profile = excluded.profile, for_shares = excluded.for_shares`,
      )
      .run(workspaceId, choice.profile, choice.forShares ? 1 : 0);
  }
}

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}

/** Credentials are fetched again this long before they expire. */
const REFRESH_BEFORE_MS = 5 * 60 * 1000;

/**
 * The server's AWS credentials, by profile, from the SDK's standard chain: environment variables (for
 * `default`), `~/.aws/credentials` and `config` profiles (assume-role, SSO, credential_process). They
 * stay on the server: only functions the owner allowed get them, as environment variables.
 */
export class ServerCredentials {
  private readonly cache = new Map<string, Promise<AwsCredentials>>();

  async get(profile: string): Promise<AwsCredentials> {
    const cached = this.cache.get(profile);
    if (cached) {
      const c = await cached.catch(() => undefined);
      if (c && (!c.expiration || c.expiration.getTime() - Date.now() > REFRESH_BEFORE_MS)) return c;
    }
    const fresh = fromNodeProviderChain(profile === 'default' ? {} : { profile })().then((c) => ({
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}),
      ...(c.expiration ? { expiration: c.expiration } : {}),
    }));
    this.cache.set(profile, fresh);
    fresh.catch(() => this.cache.delete(profile));
    return fresh;
  }

  /** Profile names of the server's AWS config and credentials files (names only: no secret leaves). */
  async profiles(): Promise<string[]> {
    const files = await loadSharedConfigFiles({ ignoreCache: true }).catch(() => ({ configFile: {}, credentialsFile: {} }));
    return [...new Set(['default', ...Object.keys(files.credentialsFile), ...Object.keys(files.configFile)])].sort();
  }
}

/** Tells credentials apart without keeping their secret in another place. */
export function credentialKeyOf(c: AwsCredentials | undefined): string {
  return c
    ? createHash('sha256')
        .update(`${c.accessKeyId}\n${c.secretAccessKey}\n${c.sessionToken ?? ''}`)
        .digest('hex')
    : '';
}

/** A function's log never shows the secrets it was given: a function that prints them sees them masked. */
export function maskCredentials(text: string, c: AwsCredentials | undefined): string {
  return maskSecrets(text, credentialSecrets(c));
}

/** The same for a response (shown in the run history to everyone in the workspace); other bytes stay as they are. */
export function maskCredentialsIn(payload: Buffer, c: AwsCredentials | undefined): Buffer {
  return maskSecretsIn(payload, credentialSecrets(c));
}

export const credentialSecrets = (c: AwsCredentials | undefined): string[] =>
  c ? [c.secretAccessKey, c.sessionToken].filter((s): s is string => !!s && s.length >= 8) : [];

/** The values of secret-looking variables (long enough that masking them does not mask ordinary text). */
export const secretValues = (env: Record<string, string>): string[] =>
  Object.entries(env)
    .filter(([k, v]) => SECRET_NAME.test(k) && v.length >= 6)
    .map(([, v]) => v);

/** Every occurrence of each secret replaced by `****`. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('****');
  return out;
}

export function maskSecretsIn(payload: Buffer, secrets: readonly string[]): Buffer {
  return secrets.some((s) => payload.includes(s)) ? Buffer.from(maskSecrets(payload.toString('utf8'), secrets)) : payload;
}

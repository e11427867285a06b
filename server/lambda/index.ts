import type { Router } from 'express';
import type { RawHandler } from '../http/index.js';
import { awsLambdaHandler } from './api/awsRoutes.js';
import { lambdaUiRoutes } from './api/uiRoutes.js';
import type { BodyLimits } from './api/UnauthenticatedBodies.js';
import { LambdaFeature, type LambdaFeatureDeps } from './LambdaFeature.js';

export { LambdaFeature, LAMBDA_SERVICE } from './LambdaFeature.js';
import { credentialMigrations } from './credentials.js';
import { reservationMigrations } from './ReservationStore.js';
/** Runs after the workspaces migration (what they store belongs to a workspace). */
export const lambdaMigrations = [...reservationMigrations, ...credentialMigrations];
export type { Invocation, LambdaSettings, WorkspaceLambda } from './WorkspaceLambda.js';
export type { FunctionSpec } from './types.js';
export type { BodyLimits } from './api/UnauthenticatedBodies.js';

/**
 * Lambda, run locally with Lambda's semantics (docs/lambda.md): functions from the workspace's templates,
 * one process per execution environment speaking the Runtime API, concurrency, and two HTTP faces:
 * the AWS-compatible API (a raw handler for `/lambda/`, SigV4) and the sidebar's REST routes (session auth).
 */
export function createLambdaFeature(
  deps: LambdaFeatureDeps,
  bodyLimits?: BodyLimits,
): { feature: LambdaFeature; awsApi: RawHandler; router: Router } {
  const feature = new LambdaFeature(deps);
  return { feature, awsApi: awsLambdaHandler(feature, bodyLimits), router: lambdaUiRoutes(feature) };
}

import type { Router } from 'express';
import type { RawHandler } from '../http/index.js';
import { awsLambdaHandler } from './api/awsRoutes.js';
import { apiGatewayHandler } from './apigw/gateway.js';
import { lambdaUiRoutes } from './api/uiRoutes.js';
import type { BodyLimits } from './api/UnauthenticatedBodies.js';
import { LambdaFeature, type LambdaFeatureDeps } from './LambdaFeature.js';

export { LambdaFeature, LAMBDA_SERVICE } from './LambdaFeature.js';
import { credentialMigrations } from './credentials.js';
import { reservationMigrations } from './ReservationStore.js';
import { publicApiMigrations } from './apigw/PublicApis.js';
import { runHistoryMigrations } from './RunHistory.js';
/** Runs after the workspaces migration (what they store belongs to a workspace). */
export const lambdaMigrations = [...reservationMigrations, ...credentialMigrations, ...publicApiMigrations, ...runHistoryMigrations];
export { API_GATEWAY_PREFIX, FUNCTION_URL_PREFIX } from './apigw/gateway.js';
export type { Invocation, LambdaObserver, LambdaSettings, WorkspaceLambda } from './WorkspaceLambda.js';
export type { FunctionSpec } from './types.js';
export type { BodyLimits } from './api/UnauthenticatedBodies.js';

/**
 * Lambda, run locally with Lambda's semantics (docs/lambda.md): functions from the workspace's templates,
 * one process per execution environment speaking the Runtime API, concurrency, and two HTTP faces:
 * the AWS-compatible API (a raw handler for `/lambda/`, SigV4), the sidebar's REST routes (session auth), and
 * the templates' HTTP APIs and function URLs (raw handlers for `/api-gw/` and `/lambda-url/`).
 */
export function createLambdaFeature(
  deps: LambdaFeatureDeps,
  bodyLimits?: BodyLimits,
): { feature: LambdaFeature; awsApi: RawHandler; apiGateway: RawHandler; router: Router } {
  const feature = new LambdaFeature(deps);
  return {
    feature,
    awsApi: awsLambdaHandler(feature, bodyLimits),
    apiGateway: apiGatewayHandler({
      feature,
      publicApis: feature.publicApis,
      principalForToken: deps.principalForToken,
      principalForSession: deps.principalForSession,
      ...(bodyLimits ? { bodyLimits } : {}),
    }),
    router: lambdaUiRoutes(feature),
  };
}

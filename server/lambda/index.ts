import type { Router } from 'express';
import { awsLambdaRoutes } from './api/awsRoutes.js';
import { lambdaUiRoutes } from './api/uiRoutes.js';
import { LambdaFeature, type LambdaFeatureDeps } from './LambdaFeature.js';

export { LambdaFeature, LAMBDA_SERVICE } from './LambdaFeature.js';
export { lambdaMigrations } from './ReservationStore.js';
export type { Invocation, LambdaSettings, WorkspaceLambda } from './WorkspaceLambda.js';
export type { FunctionSpec } from './types.js';

/**
 * Lambda, run locally with Lambda's semantics (docs/lambda.md): functions from the workspace's templates,
 * one process per execution environment speaking the Runtime API, concurrency, and two HTTP faces:
 * the AWS-compatible API (public router, SigV4) and the sidebar's REST routes (session auth).
 */
export function createLambdaFeature(deps: LambdaFeatureDeps): { feature: LambdaFeature; publicRouter: Router; router: Router } {
  const feature = new LambdaFeature(deps);
  return { feature, publicRouter: awsLambdaRoutes(feature), router: lambdaUiRoutes(feature) };
}

export { ConnectionGuard, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './ConnectionGuard.js';
export { createApp, type AppDeps, type RawHandler, type RawRoute } from './app.js';
export { contentSecurityPolicy, crossSiteAllowed } from './crossSite.js';
export { errorHandler, notFoundHandler } from './errorHandler.js';
export { createHostGuard, hostName, isOwnOrigin } from './hostGuard.js';
export { HttpError } from './HttpError.js';
export { validate } from './validate.js';
export { WebSocketRouter, matchPattern, type WsContext, type WsRoute } from './websocketRouter.js';
export { loadTls, keyPathFor, TlsError, type TlsFiles } from './tls.js';

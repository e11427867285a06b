export { authMigrations, AuthService, loadOwnerToken, loadShareSealKey, parseCookies, SESSION_COOKIE } from './AuthService.js';
export { ShareConnections } from './connections.js';
export {
  allows,
  allowsTerminal,
  principalOf,
  requireAccess,
  requireOwner,
  requireTerminalAccess,
  setPrincipal,
  workspaceOfRoute,
  type Need,
  type Principal,
} from './principal.js';
export { authenticate, loginRoutes, sessionAndShareRoutes, tokenExchange } from './routes.js';
export { hashToken, randomToken, secretsEqual } from './tokens.js';

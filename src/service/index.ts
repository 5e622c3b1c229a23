/** The HTTP service (`require('ov-face-reid/dist/service')`): kept out of the main entry so the library does not load fastify. */
export { createServer, startService, type CreateServerOptions, type StartServiceOptions, type RunningService } from './server';
export { loadServiceConfig, serviceConfig, DEFAULT_LIMITS, type ServiceConfig, type ServiceLimits, type ServiceSettings } from './config';
export { createApiKey, KeyVerifier, scopeAllows, SCOPES } from './auth';
export { ServiceError, type ServiceErrorCode } from './errors';
export { FaceService, contentId } from './face-service';
export type { ServiceGallery } from './gallery-port';

/**
 * One AbortSignal per request that ends its queued work when nobody will read the answer: the
 * client has gone (its connection closed before the response was written) or the request's
 * deadline (requestTimeoutMs) has passed.
 *
 * Why not fastify's `request.signal`: it follows the IncomingMessage's 'close' event, which Node
 * emits as soon as the body has been read, not when the client goes. By the time a route hands
 * the signal to the inference queue it has already fired, so a listener added then never runs:
 * frames of clients that had hung up were still decoded and inferred (16 requests, 15 clients gone
 * after 200 ms: all 16 ran), and a request waiting in the queue outlived its deadline. The
 * response's 'close' is the event that tells the two cases apart.
 */
import type { FastifyInstance } from 'fastify';
import { ServiceError } from './errors';

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when the client has gone or requestTimeoutMs has passed: pass it to queued work. */
    workSignal: AbortSignal;
  }
}

export function registerWorkSignal(app: FastifyInstance, timeoutMs: number): void {
  app.decorateRequest('workSignal', undefined as unknown as AbortSignal);
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    // A plain abort at the deadline: the queue answers it with TIMEOUT and its own Retry-After estimate.
    const deadline = setTimeout(() => controller.abort(), timeoutMs);
    deadline.unref();
    reply.raw.once('close', () => {
      clearTimeout(deadline);
      if (!reply.raw.writableFinished) controller.abort(new ServiceError(499, 'CLIENT_GONE', 'the client closed the connection'));
    });
    request.workSignal = controller.signal;
  });
}

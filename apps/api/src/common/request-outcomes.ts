import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';

/** What is told of each request once: that it was answered, or that its client left first. */
export interface RequestOutcomes {
  /** Its response has been sent (Fastify's `onResponse`). */
  answered(request: FastifyRequest, reply: FastifyReply): void;
  /**
   * Its connection closed before its response was sent in full: the client went away, or the
   * connection was cut (an answer already begun, such as a CSV export, included).
   * `reply.elapsedTime` is then the time from its arrival to the close.
   */
  aborted(request: FastifyRequest, reply: FastifyReply): void;
}

/** The requests of one connection that have no answer yet, in the order they came. */
const UNANSWERED = Symbol('unanswered requests');
type Connection = Socket & { [UNANSWERED]?: Set<FastifyReply> };

/**
 * Tells each of `outcomes`, in their order, what became of every request: answered, or aborted.
 * One hook on a request's arrival and one on its response, whatever the number of listeners.
 *
 * Fastify's `onResponse` does not run for a request whose client left before its answer, and its
 * `onRequestAbort` only for a request whose body was not read in full (what Node.js calls
 * "aborted"), with a listener added to every request. Here each connection has one listener on
 * its close and a set of its requests not answered yet: those still in it when it closes were
 * aborted, whether or not their body had been read, and whether or not their answer had begun
 * (a CSV export cut short).
 */
export function followRequests(fastify: FastifyInstance, outcomes: readonly RequestOutcomes[]): void {
  if (outcomes.length === 0) return;
  fastify.addHook('onRequest', (request, reply, done) => {
    const connection = request.raw.socket as Connection | null;
    if (connection) {
      let open = connection[UNANSWERED];
      if (open === undefined) {
        const requests = (open = connection[UNANSWERED] = new Set());
        connection.once('close', () => {
          for (const unanswered of requests) {
            for (const each of outcomes) each.aborted(unanswered.request, unanswered);
          }
          requests.clear();
        });
      }
      open.add(reply);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    (request.raw.socket as Connection | null)?.[UNANSWERED]?.delete(reply);
    for (const each of outcomes) each.answered(request, reply);
    done();
  });
}

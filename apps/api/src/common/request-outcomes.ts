import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
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

/** The requests of one connection that have no answer yet, in the order they came, and who hears of them. */
const UNANSWERED = Symbol('unanswered requests');
interface Unanswered {
  readonly replies: Set<FastifyReply>;
  readonly outcomes: readonly RequestOutcomes[];
}
type Connection = Socket & { [UNANSWERED]?: Unanswered };

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
        // Read while the connection is open, Node.js keeps the peer's address: a request told
        // of after the close can still be named by it.
        void connection.remoteAddress;
        const { replies } = (open = connection[UNANSWERED] = { replies: new Set(), outcomes });
        connection.once('close', () => {
          for (const unanswered of replies) {
            for (const each of outcomes) each.aborted(unanswered.request, unanswered);
          }
          replies.clear();
        });
      }
      open.replies.add(reply);
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    (request.raw.socket as Connection | null)?.[UNANSWERED]?.replies.delete(reply);
    for (const each of outcomes) each.answered(request, reply);
    done();
  });
}

/**
 * Tells that a request was answered by an answer written on its socket by hand, past Fastify (a
 * 408 for a body that trickled in too slowly): as `response`'s status and headers say, which the
 * caller sets on it first. Fastify's `onResponse` never runs for it.
 */
export function answeredByHand(response: ServerResponse): void {
  const open = (response.socket as Connection | null)?.[UNANSWERED];
  if (open === undefined) return;
  for (const reply of open.replies) {
    if (reply.raw !== response) continue;
    open.replies.delete(reply);
    for (const each of open.outcomes) each.answered(reply.request, reply);
    return;
  }
}

// SPDX-License-Identifier: Apache-2.0
import type { FastifyReply } from 'fastify';

/** Sends an RFC 9457 problem (the simulator's JSON errors). */
export function sendProblem(reply: FastifyReply, status: number, code: string, title: string, detail?: string): FastifyReply {
  return reply
    .status(status)
    .header('content-type', 'application/problem+json')
    .send({ type: 'about:blank', title, status, code, ...(detail ? { detail } : {}) });
}

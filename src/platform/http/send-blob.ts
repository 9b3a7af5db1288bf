import type { FastifyReply } from 'fastify';

/**
 * Bytes behind a signed URL (a photo, a snapshot, an attachment): cached privately for as long as
 * the signature lives and never re-sniffed by the browser; `maxAgeSeconds` 0 for a picture that
 * changes under the same URL.
 */
export function sendBlob(reply: FastifyReply, blob: { body: Buffer; contentType: string; maxAgeSeconds: number }) {
  return reply
    .header('cache-control', blob.maxAgeSeconds > 0 ? `private, max-age=${blob.maxAgeSeconds}, immutable` : 'no-store')
    .header('x-content-type-options', 'nosniff')
    .type(blob.contentType)
    .send(blob.body);
}

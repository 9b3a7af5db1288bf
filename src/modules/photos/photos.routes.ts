import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { AppError } from '../../platform/http/errors.js';
import { photoParams, signedQuery, uploadResult } from './photos.schema.js';
import { FileTooLarge, type IncomingFile, type PhotosService, tooManyPhotos } from './photos.service.js';

const tags = ['photos 照片'];
const FIELD = 'photos';

export function photosRoutes(app: App, photos: PhotosService): void {
  // Multipart parsing exists only inside this plugin; every other route still takes JSON only.
  app.register(async (scope: App) => {
    await scope.register(multipart);

    scope.post(
      '/api/photos',
      {
        schema: {
          tags,
          summary: '上传照片 · Upload photos for a report (multipart)',
          description:
            `multipart/form-data with 1–${photos.settings.maxFiles} JPEG, PNG or WebP files in the field \`${FIELD}\`, ` +
            `each at most ${photos.settings.maxBytes} bytes. Photos are turned upright, stripped of metadata (GPS and time are ` +
            'read first and returned), and kept unattached until a case report or resolution names them; unattached ones are ' +
            'removed after a day.',
          consumes: ['multipart/form-data'],
          response: { 201: uploadResult },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        const result = await photos.upload(actor, multipartFiles(request, photos.settings));
        return reply.status(201).send(result);
      },
    );

    scope.get(
      '/api/photos/:id',
      {
        schema: {
          tags,
          summary: '照片 · A photo, by its signed URL (no login needed)',
          security: [],
          params: photoParams,
          querystring: signedQuery,
        },
      },
      async (request, reply) => send(reply, await photos.read(request.params.id, 'full', request.query.exp, request.query.sig)),
    );

    scope.get(
      '/api/photos/:id/thumb',
      {
        schema: {
          tags,
          summary: '缩略图 · A thumbnail, by its signed URL (no login needed)',
          security: [],
          params: photoParams,
          querystring: signedQuery,
        },
      },
      async (request, reply) => send(reply, await photos.read(request.params.id, 'thumb', request.query.exp, request.query.sig)),
    );
  });
}

function send(reply: FastifyReply, photo: { body: Buffer; contentType: string; maxAgeSeconds: number }) {
  return reply
    .header('cache-control', `private, max-age=${photo.maxAgeSeconds}, immutable`)
    .header('x-content-type-options', 'nosniff')
    .type(photo.contentType)
    .send(photo.body);
}

/**
 * The files of a multipart request, one at a time as they arrive. Busboy's limits cut a file off
 * just past `maxBytes` (such a file is rejected, never stored) and allow one file past the
 * maximum, so the service can say "too many" itself.
 */
async function* multipartFiles(request: FastifyRequest, limits: { maxBytes: number; maxFiles: number }): AsyncGenerator<IncomingFile> {
  if (!request.isMultipart()) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      detail: { zh: `请用 multipart/form-data 上传，字段名 ${FIELD}`, en: `send multipart/form-data with the files in the field "${FIELD}"` },
    });
  }
  const parts = request.parts({
    limits: {
      // One byte over the limit, so a cut-off file is also longer than any accepted one.
      fileSize: limits.maxBytes + 1,
      files: limits.maxFiles + 1,
      fields: 10,
      fieldSize: 1024,
      fieldNameSize: 100,
      parts: limits.maxFiles + 11,
      headerPairs: 50,
    },
  });
  try {
    for await (const part of parts) {
      if (part.type !== 'file' || part.fieldname !== FIELD) {
        const notAFile = part.fieldname === FIELD;
        throw new AppError('VALIDATION_FAILED', {
          details: [
            {
              field: `body.${part.fieldname.slice(0, 100)}`,
              message: notAFile ? '应为图片文件' : `不允许的字段；照片请放在 ${FIELD} 字段`,
              messageEn: notAFile ? 'must be an image file' : `unknown field; send images in the field "${FIELD}"`,
            },
          ],
        });
      }
      yield {
        filename: part.filename,
        read: async () => {
          try {
            const data = await part.toBuffer();
            // toBuffer() does not always throw when the stream's last chunk hit the limit; the flag says it.
            if (part.file.truncated) throw new FileTooLarge();
            return data;
          } catch (error) {
            throw multipartError(error, limits.maxFiles);
          }
        },
      };
    }
  } catch (error) {
    throw multipartError(error, limits.maxFiles);
  }
}

/** Every failure of reading a multipart body is the client's: a limit, or a malformed body. */
function multipartError(error: unknown, maxFiles: number): Error {
  if (error instanceof AppError) return error;
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new FileTooLarge();
    case 'FST_FILES_LIMIT':
      return tooManyPhotos(maxFiles);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError('PAYLOAD_TOO_LARGE');
    default:
      return new AppError('MALFORMED_REQUEST');
  }
}

import multipart from '@fastify/multipart';
import { actorOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { multipartFiles } from '../../platform/http/multipart-files.js';
import { sendBlob } from '../../platform/http/send-blob.js';
import { photoParams, signedQuery, uploadResult } from './photos.schema.js';
import { type PhotosService, tooManyPhotos } from './photos.service.js';

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
        const result = await photos.upload(actor, multipartFiles(request, { field: FIELD, maxBytes: photos.settings.maxBytes, maxFiles: photos.settings.maxFiles, tooMany: tooManyPhotos }));
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
      async (request, reply) => sendBlob(reply, await photos.read(request.params.id, 'full', request.query.exp, request.query.sig)),
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
      async (request, reply) => sendBlob(reply, await photos.read(request.params.id, 'thumb', request.query.exp, request.query.sig)),
    );
  });
}

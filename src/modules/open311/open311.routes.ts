import formbody from '@fastify/formbody';
import type { FastifyError } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { AppError } from '../../platform/http/errors.js';
import { parseFormStrict } from '../../platform/http/request-hygiene.js';
import { toFieldProblems } from '../../platform/http/validation.js';
import {
  createdKey,
  createKeyBody,
  keyIdParams,
  keyView,
  open311Error,
  postRequestBody,
  requestIdParams,
  requestsQuery,
  service,
  serviceCodeParams,
  serviceRequest,
} from './open311.schema.js';
import type { Open311Service } from './open311.service.js';

const tags = ['open311 GeoReport v2'];

/**
 * GeoReport v2 under /open311/v2 (JSON format). Errors use the standard's shape,
 * `[{"code": <http status>, "description": "…"}]`, not the platform's.
 */
export async function open311Routes(app: App, open311: Open311Service): Promise<void> {
  await app.register(
    async (scope) => {
      const api = scope as unknown as App;
      await api.register(formbody, { bodyLimit: 64 * 1024, parser: parseFormStrict });
      api.setErrorHandler((error: FastifyError, request, reply) => {
        let status = 500;
        let description = 'internal error';
        if (error instanceof AppError) {
          const body = error.toBody();
          status = error.status;
          // Field problems found before the schema (request hygiene) are named like the schema's.
          description = body.details
            ? body.details.map((p) => `${p.field.replace(/^(body|querystring|params)\./, '')}: ${p.messageEn}`).join('; ')
            : `${body.code}: ${body.messageEn} / ${body.message}`;
        } else if (hasZodFastifySchemaValidationErrors(error)) {
          status = 400;
          description = toFieldProblems(error.validation, error.validationContext)
            .map((p) => `${p.field.replace(/^(body|querystring)\./, '')}: ${p.messageEn}`)
            .join('; ');
        } else if (error.statusCode && error.statusCode < 500) {
          status = error.statusCode;
          description = error.message;
        } else {
          request.log.error({ err: error }, 'open311 error');
        }
        return reply.status(status).send([{ code: status, description }]);
      });

      api.get('/services.json', { schema: { tags, summary: 'Service list (categories)', security: [], response: { 200: z.array(service) } } }, async () =>
        open311.services(),
      );
      api.get(
        '/services/:service_code.json',
        { schema: { tags, summary: 'Service definition', security: [], params: serviceCodeParams, response: { 200: z.object({ service_code: z.string(), attributes: z.array(z.never()) }), 404: open311Error } } },
        async (request) => open311.serviceDefinition(request.params.service_code),
      );
      api.get(
        '/requests.json',
        {
          schema: {
            tags,
            summary: 'Service requests of public categories (no personal data); default the last 90 days, at most 1000',
            security: [],
            querystring: requestsQuery,
            response: { 200: z.array(serviceRequest), 400: open311Error },
          },
        },
        async (request) => open311.requests(request.query),
      );
      api.post(
        '/requests.json',
        {
          schema: {
            tags,
            summary: 'Create a service request (needs an api_key issued in the console); form or JSON',
            security: [],
            body: postRequestBody,
            response: { 200: z.array(z.object({ service_request_id: z.string(), service_notice: z.string(), account_id: z.null() })), 400: open311Error, 403: open311Error },
          },
        },
        async (request) => open311.post(request.body),
      );
      api.get(
        '/requests/:id.json',
        { schema: { tags, summary: 'One service request', security: [], params: requestIdParams, response: { 200: z.array(serviceRequest), 404: open311Error } } },
        async (request) => open311.request(request.params.id),
      );
    },
    { prefix: '/open311/v2' },
  );

  const keyTags = ['open311 GeoReport v2'];
  app.get('/api/open311/keys', { schema: { tags: keyTags, summary: 'Open311 接入密钥 · API keys in scope', response: { 200: z.object({ items: z.array(keyView) }) } } }, async (request) =>
    open311.listKeys(actorOf(request)),
  );
  app.post(
    '/api/open311/keys',
    { schema: { tags: keyTags, summary: '签发密钥 · Issue a key for a region (shown once, audited)', body: createKeyBody, response: { 201: createdKey } } },
    async (request, reply) => reply.status(201).send(await open311.createKey(actorOf(request), request.body, metaOf(request))),
  );
  app.delete('/api/open311/keys/:id', { schema: { tags: keyTags, summary: '吊销密钥 · Revoke a key (audited)', params: keyIdParams } }, async (request, reply) => {
    await open311.revokeKey(actorOf(request), request.params.id, metaOf(request));
    return reply.status(204).send();
  });
}

import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { actorOf, metaOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/app.js';
import { parseByteRange } from '../../platform/http/byte-range.js';
import { AppError } from '../../platform/http/errors.js';
import { assertCleanText } from '../../platform/http/request-hygiene.js';
import { toFieldProblems } from '../../platform/http/validation.js';
import { audioClipView, audioParams, signedQuery, ttsBody, uploadFields, type UploadFields } from './audio.schema.js';
import { type AudioService, audioTooLarge, type IncomingAudio } from './audio.service.js';

const tags = ['audio 云播音频'];
const FIELD = 'audio';

export function audioRoutes(app: App, audio: AudioService): void {
  app.addHook('onClose', async () => audio.close());

  app.post(
    '/api/audio/tts',
    {
      schema: {
        tags,
        summary: '文字转语音 · Speak a text (cached)',
        description:
          'Synthesises Mandarin speech (espeak-ng, voice `cmn`) as a WAV clip. The same text, voice, rate and pitch give the same clip ' +
          'from the cache: 201 when this call made it, 200 when it already existed. For township staff, village cadres and branch secretaries.',
        body: ttsBody,
        response: { 200: audioClipView, 201: audioClipView },
      },
    },
    async (request, reply) => {
      const { clip, created } = await audio.createSpeech(actorOf(request), metaOf(request), request.body);
      return reply.status(created ? 201 : 200).send(clip);
    },
  );

  app.get(
    '/api/audio/:id',
    {
      schema: { tags, summary: '音频信息 · An audio clip, with a fresh signed URL', params: audioParams, response: { 200: audioClipView } },
    },
    async (request) => audio.read(actorOf(request), request.params.id),
  );

  // Multipart parsing exists only inside this plugin; every other route still takes JSON only.
  app.register(async (scope: App) => {
    await scope.register(multipart);

    scope.post(
      '/api/audio',
      {
        schema: {
          tags,
          summary: '上传音频或录音 · Upload an audio file or a browser recording (multipart)',
          description:
            `multipart/form-data with one file in the field \`${FIELD}\` (at most ${audio.settings.maxBytes} bytes): MP3 or WAV, or what ` +
            'browsers record (WebM/Opus, Ogg/Opus, MP4/AAC), recognised by content. Browser formats are converted to MP3 ' +
            '(mono, 64 kbit/s) for the loudspeakers. Optional fields: `kind` (`upload` or `recording`, 喊话) and `text` (a description).',
          consumes: ['multipart/form-data'],
          response: { 201: audioClipView },
        },
      },
      async (request, reply) => {
        const actor = actorOf(request);
        // Refused before a byte of the file is read.
        audio.requireCreate(actor);
        const { file, fields } = await readUpload(request, audio.settings.maxBytes);
        return reply.status(201).send(await audio.upload(actor, metaOf(request), file, fields));
      },
    );
  });

  app.get(
    '/api/audio/:id/file',
    {
      schema: {
        tags,
        summary: '音频文件 · The audio file, by its signed URL (no login needed; Range supported)',
        description: 'What loudspeakers and players fetch. Supports `Range: bytes=…` (206), HEAD, and answers 416 for a range past the end.',
        security: [],
        params: audioParams,
        querystring: signedQuery,
      },
    },
    async (request, reply) => send(request, reply, await audio.file(request.params.id, request.query.exp, request.query.sig)),
  );
}

function send(request: FastifyRequest, reply: FastifyReply, file: { body: Buffer; contentType: string; etag: string; maxAgeSeconds: number }) {
  reply
    .header('accept-ranges', 'bytes')
    .header('etag', file.etag)
    .header('cache-control', `private, max-age=${file.maxAgeSeconds}, immutable`)
    .header('x-content-type-options', 'nosniff');
  const size = file.body.length;
  // A range is only honoured for the same file (If-Range names our ETag); a clip's bytes never change.
  const ifRange = request.headers['if-range'];
  const range = ifRange === undefined || ifRange === file.etag ? parseByteRange(request.headers.range, size) : undefined;
  if (range === 'unsatisfiable') {
    return reply
      .status(416)
      .header('content-range', `bytes */${size}`)
      .type('application/json; charset=utf-8')
      .send(new AppError('RANGE_NOT_SATISFIABLE').toBody(request.id));
  }
  if (range) {
    return reply
      .status(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .type(file.contentType)
      .send(file.body.subarray(range.start, range.end + 1));
  }
  return reply.type(file.contentType).send(file.body);
}

/**
 * The file and text fields of an upload. Busboy cuts the file off one byte past the limit, so a
 * file over it is refused whole (413), never stored shortened.
 */
async function readUpload(request: FastifyRequest, maxBytes: number): Promise<{ file: IncomingAudio; fields: UploadFields }> {
  if (!request.isMultipart()) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      detail: { zh: `请用 multipart/form-data 上传，文件字段名 ${FIELD}`, en: `send multipart/form-data with the file in the field "${FIELD}"` },
    });
  }
  const parts = request.parts({
    limits: { fileSize: maxBytes + 1, files: 1, fields: 5, fieldSize: 2048, fieldNameSize: 100, parts: 6, headerPairs: 50 },
  });
  let file: IncomingAudio | undefined;
  const values: Record<string, string> = {};
  try {
    for await (const part of parts) {
      if (part.type === 'file') {
        if (part.fieldname !== FIELD) throw unknownField(part.fieldname);
        const data = await part.toBuffer();
        // toBuffer() does not always throw when the last chunk hit the limit; the flag says it.
        if (part.file.truncated || data.length > maxBytes) throw audioTooLarge(maxBytes);
        file = { filename: part.filename, data };
      } else {
        if (part.fieldname === FIELD) {
          throw new AppError('VALIDATION_FAILED', { details: [{ field: `body.${FIELD}`, message: '应为音频文件', messageEn: 'must be an audio file' }] });
        }
        if (!(part.fieldname in uploadFields.shape)) throw unknownField(part.fieldname);
        values[part.fieldname] = String(part.value);
      }
    }
  } catch (error) {
    throw multipartError(error, maxBytes);
  }
  assertCleanText(values, 'body');
  const fields = uploadFields.safeParse(values);
  if (!fields.success) {
    throw new AppError('VALIDATION_FAILED', { details: toFieldProblems(fields.error.issues.map(toValidationIssue), 'body') });
  }
  if (!file || file.data.length === 0) {
    throw new AppError('VALIDATION_FAILED', {
      details: [{ field: `body.${FIELD}`, message: `请选择音频文件（字段名 ${FIELD}）`, messageEn: `attach an audio file in the field "${FIELD}"` }],
    });
  }
  return { file, fields: fields.data };
}

/** A zod issue in the shape the error handler's messages read (as fastify-type-provider-zod hands them over). */
function toValidationIssue(issue: z.core.$ZodIssue) {
  const { path, code, message, ...params } = issue;
  return { keyword: code, instancePath: `/${path.join('/')}`, message, params };
}

function unknownField(name: string): AppError {
  return new AppError('VALIDATION_FAILED', {
    details: [{ field: `body.${name.slice(0, 100)}`, message: `不允许的字段；音频请放在 ${FIELD} 字段`, messageEn: `unknown field; send the audio in the field "${FIELD}"` }],
  });
}

/** Every failure of reading a multipart body is the client's: a limit, or a malformed body. */
function multipartError(error: unknown, maxBytes: number): Error {
  if (error instanceof AppError) return error;
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return audioTooLarge(maxBytes);
    case 'FST_FILES_LIMIT':
      return new AppError('VALIDATION_FAILED', { details: [{ field: `body.${FIELD}`, message: '一次只能上传一个音频文件', messageEn: 'one audio file per upload' }] });
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError('PAYLOAD_TOO_LARGE');
    default:
      return new AppError('MALFORMED_REQUEST');
  }
}

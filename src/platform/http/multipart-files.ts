import type { FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

/** One file of an upload, read only when its turn comes (so one original at a time is in memory). */
export interface IncomingFile {
  filename: string;
  read(): Promise<Buffer>;
}

/** Thrown by `IncomingFile.read()` when the file is over the size limit (it was cut off, never to be stored). */
export class FileTooLarge extends Error {
  constructor() {
    super('file over the size limit');
    this.name = 'FileTooLarge';
  }
}

export interface MultipartFilesOptions {
  /** The form field the files come in; any other part is refused. */
  field: string;
  maxBytes: number;
  maxFiles: number;
  /** The module's own "too many files" error. */
  tooMany: (maxFiles: number) => AppError;
}

/**
 * The files of a multipart request, one at a time as they arrive. Busboy's limits cut a file off
 * just past `maxBytes` (such a file is rejected, never stored) and allow one file past the
 * maximum, so the service can say "too many" itself.
 */
export async function* multipartFiles(request: FastifyRequest, options: MultipartFilesOptions): AsyncGenerator<IncomingFile> {
  const { field } = options;
  if (!request.isMultipart()) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', {
      detail: { zh: `请用 multipart/form-data 上传，字段名 ${field}`, en: `send multipart/form-data with the files in the field "${field}"` },
    });
  }
  const parts = request.parts({
    limits: {
      // One byte over the limit, so a cut-off file is also longer than any accepted one.
      fileSize: options.maxBytes + 1,
      files: options.maxFiles + 1,
      fields: 10,
      fieldSize: 1024,
      fieldNameSize: 100,
      parts: options.maxFiles + 11,
      headerPairs: 50,
    },
  });
  try {
    for await (const part of parts) {
      if (part.type !== 'file' || part.fieldname !== field) {
        const notAFile = part.fieldname === field;
        throw new AppError('VALIDATION_FAILED', {
          details: [
            {
              field: `body.${part.fieldname.slice(0, 100)}`,
              message: notAFile ? '应为文件' : `不允许的字段；文件请放在 ${field} 字段`,
              messageEn: notAFile ? 'must be a file' : `unknown field; send files in the field "${field}"`,
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
            throw multipartError(error, options);
          }
        },
      };
    }
  } catch (error) {
    throw multipartError(error, options);
  }
}

/** Every failure of reading a multipart body is the client's: a limit, or a malformed body. */
function multipartError(error: unknown, options: MultipartFilesOptions): Error {
  if (error instanceof AppError || error instanceof FileTooLarge) return error;
  switch ((error as { code?: string }).code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return new FileTooLarge();
    case 'FST_FILES_LIMIT':
      return options.tooMany(options.maxFiles);
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return new AppError('PAYLOAD_TOO_LARGE');
    default:
      return new AppError('MALFORMED_REQUEST');
  }
}

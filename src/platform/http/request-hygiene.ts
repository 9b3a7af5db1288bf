import { parse as parseQuery } from 'node:querystring';
import { Transform, type TransformCallback } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { App } from './app.js';
import { AppError, type FieldProblem } from './errors.js';

/**
 * Text the database cannot store or that is not what the client meant never reaches a handler:
 * NUL and other C0 control characters, lone surrogates, invalid UTF-8 and bad %-encoding are
 * refused here, once for every route, as 400 VALIDATION_FAILED naming the field. PostgreSQL
 * rejects U+0000 in text (a 500 before), and lenient decoding stored U+FFFD instead of the bytes.
 */

/** Longer URLs get 414 (Node's own limit is on all headers together, 16 KiB). */
export const MAX_URL_LENGTH = 8192;
/** A response lists at most this many fields, however many are bad. */
const MAX_PROBLEMS = 20;

const NUL = /\u0000/;
// Tab, LF and CR are ordinary in multi-line text (a case description), never in a URL.
const CONTROL_IN_URL = /[\u0001-\u001F]/;
const CONTROL_IN_BODY = /[\u0001-\u0008\u000B\u000C\u000E-\u001F]/;
const LONE_SURROGATE = /\p{Cs}/u;

export type TextPlace = 'url' | 'body';

/** What is wrong with one piece of text, or null when it is fine. */
export function textProblem(value: string, place: TextPlace): { zh: string; en: string } | null {
  if (NUL.test(value)) return { zh: '不能包含空字符（NUL）', en: 'must not contain NUL characters' };
  if ((place === 'url' ? CONTROL_IN_URL : CONTROL_IN_BODY).test(value)) return { zh: '不能包含控制字符', en: 'must not contain control characters' };
  if (LONE_SURROGATE.test(value)) return { zh: '包含无效的 Unicode 字符', en: 'contains invalid Unicode (a lone surrogate)' };
  return null;
}

/** A field name fit to show: no control characters, not too long. */
function shown(name: string): string {
  return name.replace(/[\u0000-\u001F\u007F]|\p{Cs}/gu, '\uFFFD').slice(0, 100);
}

/**
 * Every string (keys included) in a parsed value, walked without recursion so a deeply nested
 * JSON body cannot overflow the stack. Field names follow the schema errors: `body.items.0.text`.
 */
export function collectTextProblems(value: unknown, field: string, place: TextPlace, out: FieldProblem[]): void {
  // A bad key is queued as its own entry, so problems come out in the order of the fields.
  const pending: Array<{ value: unknown; name: string; key?: true }> = [{ value, name: field }];
  while (pending.length > 0 && out.length < MAX_PROBLEMS) {
    const { value: current, name, key } = pending.pop()!;
    if (typeof current === 'string') {
      const problem = textProblem(current, place);
      if (problem && key) out.push({ field: name, message: `字段名${problem.zh}`, messageEn: `field name ${problem.en}` });
      else if (problem) out.push({ field: name, message: problem.zh, messageEn: problem.en });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push({ value: current[i], name: `${name}.${i}` });
    } else if (current !== null && typeof current === 'object' && !Buffer.isBuffer(current)) {
      for (const k of Object.keys(current).reverse()) {
        if (textProblem(k, place)) pending.push({ value: k, name: `${name}.${shown(k)}`, key: true });
        else pending.push({ value: (current as Record<string, unknown>)[k], name: `${name}.${k}` });
      }
    }
  }
}

/**
 * The fields of a query string or form body whose %-escapes are malformed or not UTF-8.
 * Fastify's parsers (fast-querystring) keep a bad %-sequence as written and decode invalid UTF-8
 * to U+FFFD; decodeURIComponent throws on both.
 */
export function encodingProblems(text: string, prefix: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const pair of text.split('&')) {
    if (problems.length >= MAX_PROBLEMS) break;
    const eq = pair.indexOf('=');
    const rawKey = (eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' ');
    const key = strictDecode(rawKey);
    if (key === null || strictDecode(eq < 0 ? '' : pair.slice(eq + 1).replaceAll('+', ' ')) === null) {
      problems.push({ field: `${prefix}.${shown(key ?? rawKey)}`, message: '%-编码无效或不是 UTF-8', messageEn: 'has invalid %-encoding or is not UTF-8' });
    }
  }
  return problems;
}

/** The parser for `@fastify/formbody`: the same fields as its own, or 400 naming a badly encoded one. */
export function parseFormStrict(body: string): Record<string, string | string[]> {
  const problems = encodingProblems(body, 'body');
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
  // Checked above, so the lenient decoding of node:querystring meets nothing to be lenient about.
  return { ...parseQuery(body, '&', '=', { maxKeys: 0 }) } as Record<string, string | string[]>;
}

function strictDecode(text: string): string | null {
  try {
    return decodeURIComponent(text);
  } catch {
    return null;
  }
}

const TEXT_TYPES = /^(?:text\/[^;\s]+|application\/(?:[\w.+-]+\+)?json|application\/x-www-form-urlencoded)\s*(?:;|$)/i;

/** The charset a text body declares, lower-cased; undefined when none. */
function declaredCharset(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1]?.toLowerCase();
}

/** Passes bytes through unchanged and fails, naming the body, at the first byte that is not UTF-8. */
export class StrictUtf8 extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.decoder.decode(chunk, { stream: true });
      callback(null, chunk);
    } catch {
      callback(invalidUtf8());
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      // A sequence cut off at the end of the body is invalid too.
      this.decoder.decode();
      callback();
    } catch {
      callback(invalidUtf8());
    }
  }
}

function invalidUtf8(): AppError {
  return new AppError('VALIDATION_FAILED', { details: [{ field: 'body', message: '不是有效的 UTF-8 编码', messageEn: 'is not valid UTF-8' }] });
}

/** For text a route reads itself (multipart fields): the same check, as the same 400. */
export function assertCleanText(value: unknown, field: string): void {
  const problems: FieldProblem[] = [];
  collectTextProblems(value, field, 'body', problems);
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems });
}

function checkParsed(request: FastifyRequest): void {
  const start = request.url.indexOf('?');
  const problems = start < 0 ? [] : encodingProblems(request.url.slice(start + 1), 'querystring');
  const params = request.params as Record<string, unknown> | undefined;
  if (params) for (const [key, value] of Object.entries(params)) collectTextProblems(value, `params.${shown(key)}`, 'url', problems);
  collectTextProblems(request.query, 'querystring', 'url', problems);
  collectTextProblems(request.body, 'body', 'body', problems);
  if (problems.length > 0) throw new AppError('VALIDATION_FAILED', { details: problems.slice(0, MAX_PROBLEMS) });
}

/** The hooks, on the root instance so every route and plugin scope gets them. */
export function registerRequestHygiene(app: App): void {
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_LENGTH) throw new AppError('URI_TOO_LONG');
  });

  // Text bodies (JSON, forms, CSV) are UTF-8 and checked byte by byte before any parser decodes
  // them; multipart bodies carry binary files and are left to their routes.
  app.addHook('preParsing', async (request, _reply, payload) => {
    const contentType = request.headers['content-type'];
    if (!contentType || !TEXT_TYPES.test(contentType)) return payload;
    const charset = declaredCharset(contentType);
    // ASCII is UTF-8 too; any other charset would be read wrongly, so it is refused.
    if (charset !== undefined && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) {
      throw new AppError('UNSUPPORTED_MEDIA_TYPE', { detail: { zh: '文本内容须为 UTF-8 编码', en: 'text must be sent as UTF-8' } });
    }
    // Not pipeline(): that would destroy the request (and the socket) before the 400 is sent.
    const checked = new StrictUtf8();
    payload.on('error', (error) => checked.destroy(error));
    return payload.pipe(checked);
  });

  app.addHook('preValidation', async (request) => checkParsed(request));
}

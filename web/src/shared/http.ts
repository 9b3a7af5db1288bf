import { lang, t } from './i18n';

/**
 * The one fetch wrapper the apps use: JSON in and out, the session in the server's HttpOnly cookie
 * (with the header that lets a cookie-authenticated change through), the platform's error shape `{code, message, messageEn, details:[{field, message, messageEn}]}` turned
 * into an ApiError and a readable toast, and the two session outcomes routed by the app:
 * 401 (signed out or expired) → login; 403 PASSWORD_CHANGE_REQUIRED → change password.
 */

export interface FieldProblem {
  field: string;
  message: string;
  messageEn: string;
}

export interface ErrorBody {
  code: string;
  message: string;
  messageEn: string;
  requestId?: string;
  details?: FieldProblem[];
  retryAfterSeconds?: number;
}

/** `status` 0 with code NETWORK_ERROR: the request never got an answer (offline, server down). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
  ) {
    super(body.messageEn || body.message);
    this.name = 'ApiError';
  }

  get code(): string {
    return this.body.code;
  }

  get isNetwork(): boolean {
    return this.status === 0;
  }

  /** The problem with one field, in the UI language (for inline form errors). */
  fieldMessage(field: string): string | undefined {
    const problem = this.body.details?.find((d) => d.field === field);
    return problem ? localized(problem.message, problem.messageEn) : undefined;
  }
}

export interface HttpHooks {
  /** Shows an error to the user (Vant toast on h5, Element message on the console). */
  toast(message: string): void;
  onUnauthenticated(): void;
  onPasswordChangeRequired(): void;
}

let hooks: HttpHooks = {
  toast: (message) => console.error(message),
  onUnauthenticated: () => undefined,
  onPasswordChangeRequired: () => undefined,
};

export function configureHttp(next: HttpHooks): void {
  hooks = next;
}

/**
 * The server refuses a change (POST, PUT, PATCH, DELETE) signed in by the cookie without this header,
 * which another site cannot make a browser send (cross-site request forgery).
 */
export const CLIENT_HEADERS = { 'x-shuxiang-client': 'web' } as const;

const SIGNED_IN_KEY = 'shuxiang.signedIn';

try {
  // Older versions kept the token itself here, where any script on the page could read it.
  localStorage.removeItem('shuxiang.token');
} catch {
  // storage unavailable: nothing was kept either
}

/**
 * Whether this browser signed in. The session itself is the login's HttpOnly cookie, which no script
 * can read (so none can steal it); this mark is not secret and only spares a signed-out visitor a
 * request that would answer 401. Shared by the apps (same origin).
 */
export const sessionHint = {
  get(): boolean {
    try {
      return localStorage.getItem(SIGNED_IN_KEY) === '1';
    } catch {
      return false;
    }
  },
  set(): void {
    localStorage.setItem(SIGNED_IN_KEY, '1');
  },
  /** Also forgets the cached profile (session.ts keeps it for offline start-up). */
  clear(): void {
    localStorage.removeItem(SIGNED_IN_KEY);
    localStorage.removeItem('shuxiang.me');
  },
};

function localized(zhText: string, enText: string | undefined): string {
  return lang.value === 'en' && enText ? enText : zhText;
}

/** One readable sentence for an error: the message, then each bad field's problem. */
export function errorText(error: unknown): string {
  if (!(error instanceof ApiError)) return t('error.unexpected');
  const head = localized(error.body.message, error.body.messageEn);
  const details = (error.body.details ?? []).map((d) => localized(d.message, d.messageEn));
  if (details.length === 0) return head;
  return `${head}${lang.value === 'en' ? ': ' : '：'}${details.join(lang.value === 'en' ? '; ' : '；')}`;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  /** JSON body. */
  body?: unknown;
  /** Multipart body (photos); sent as is. */
  form?: FormData;
  /** Don't toast errors (the caller shows them itself, or the call is background work). */
  silent?: boolean;
  signal?: AbortSignal;
  /** Answer with the body as a Blob (a file download, e.g. `?format=csv`) instead of parsed JSON. */
  blob?: boolean;
}

export function queryString(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const wasSignedIn = sessionHint.get();
  const headers: Record<string, string> = { accept: 'application/json', ...CLIENT_HEADERS };
  let body: BodyInit | undefined;
  if (options.form) body = options.form;
  else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }

  let response: Response;
  try {
    response = await fetch(`${path}${queryString(options.query)}`, { method, headers, body, signal: options.signal });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    const error = new ApiError(0, { code: 'NETWORK_ERROR', message: t('error.network'), messageEn: t('error.network') });
    if (!options.silent) hooks.toast(errorText(error));
    throw error;
  }

  if (response.status === 204) return undefined as T;
  if (options.blob && response.ok) return (await response.blob()) as T;
  const text = await response.text();
  let parsed: unknown = undefined;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
  }
  if (response.ok) return parsed as T;

  const errorBody: ErrorBody =
    parsed && typeof parsed === 'object' && 'code' in parsed
      ? (parsed as ErrorBody)
      : { code: `HTTP_${response.status}`, message: t('error.http', { status: response.status }), messageEn: t('error.http', { status: response.status }) };
  const error = new ApiError(response.status, errorBody);

  if (response.status === 401 && errorBody.code === 'UNAUTHENTICATED') {
    // The session ended (expired, revoked, password changed elsewhere): back to the login page.
    sessionHint.clear();
    if (wasSignedIn) hooks.toast(t('error.sessionEnded'));
    hooks.onUnauthenticated();
    throw error;
  }
  if (errorBody.code === 'PASSWORD_CHANGE_REQUIRED') {
    hooks.onPasswordChangeRequired();
    throw error;
  }
  if (!options.silent) hooks.toast(errorText(error));
  throw error;
}

export const http = {
  get: <T>(path: string, query?: Query, options?: Omit<RequestOptions, 'query' | 'body'>) => request<T>('GET', path, { ...options, query }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'body'>) => request<T>('POST', path, { ...options, body }),
  patch: <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>) => request<T>('PATCH', path, { ...options, body }),
  put: <T>(path: string, body: unknown, options?: Omit<RequestOptions, 'body'>) => request<T>('PUT', path, { ...options, body }),
  delete: <T>(path: string, options?: RequestOptions) => request<T>('DELETE', path, options),
  upload: <T>(path: string, form: FormData, options?: Omit<RequestOptions, 'form'>) => request<T>('POST', path, { ...options, form }),
  /** GET a file as a Blob (a download the page names and saves). */
  blob: (path: string, query?: Query, options?: Omit<RequestOptions, 'query' | 'body' | 'blob'>) => request<Blob>('GET', path, { ...options, query, blob: true }),
};

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  pageSize: number;
}

/** A query schema's input as the client sends it: all optional; coerced numbers (typed unknown by zod) are numbers. */
export type QueryOf<T> = { [K in keyof T]?: unknown extends T[K] ? number : T[K] };

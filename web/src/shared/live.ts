import type { Alarm, CameraStatus } from '@/api/safe-village';
import { sessionHint } from './http';

/**
 * The platform's live events (GET /api/live, Server-Sent Events), signed in by the session cookie.
 * The stream is read with fetch and a ReadableStream and parsed here, because EventSource hides the
 * status (a 401/403 must stop it rather than retry) and sets its own reconnection. One
 * subscription holds one connection; it reconnects with a growing delay (1 s, 2 s, 4 s … 30 s, with
 * jitter) after an error, a silent connection or a server restart, and stops for good on
 * unsubscribe, on 401/403, or when no one is signed in.
 */

/** The events and what their `data` carries. */
export interface LiveEvents {
  'alarm.raised': Alarm;
  'alarm.updated': Alarm;
  'camera.status': CameraStatus;
  /** A water alert opened (用水预警). */
  'water.alert': { id: string; meterId: string; meterName: string; type: string; startedAt: string; open: boolean };
}
export type LiveEventName = keyof LiveEvents;
const KNOWN = new Set<string>(['alarm.raised', 'alarm.updated', 'camera.status', 'water.alert'] satisfies LiveEventName[]);

export type LiveState = 'connecting' | 'open' | 'retrying' | 'stopped';

export type LiveHandlers = { [K in LiveEventName]?: (data: LiveEvents[K]) => void } & {
  /** Any event, known or not, with its parsed data (for the big screen and for debugging). */
  any?: (event: string, data: unknown) => void;
  /** The connection's state: open once the stream answers, retrying while it waits to reconnect. */
  state?: (state: LiveState) => void;
};

export interface LiveOptions {
  path?: string;
  /** Only these events (the server filters: `?events=alarm.raised,camera.status`); default all. */
  events?: string[];
  /** First delay before a reconnect; doubled each failure up to `maxDelayMs`. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Reconnect when nothing (not even a `:` heartbeat) arrived for this long. */
  idleTimeoutMs?: number;
  fetch?: typeof fetch;
}

export interface SseMessage {
  event: string;
  data: string;
  id?: string;
}

/**
 * A Server-Sent Events parser (the WHATWG rules): `push` text as it arrives, in any chunks; each
 * complete event (ended by a blank line) goes to `onMessage`. Lines starting with `:` are comments
 * (heartbeats); `retry:` goes to `onRetry`.
 */
export function createSseParser(onMessage: (message: SseMessage) => void, onRetry?: (ms: number) => void) {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  let lastWasCr = false;

  function line(text: string) {
    if (text === '') {
      if (data.length > 0) onMessage({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) onRetry?.(Number(value));
  }

  return {
    push(chunk: string) {
      if (lastWasCr && chunk.startsWith('\n')) chunk = chunk.slice(1); // a \r\n split across chunks
      buffer += chunk;
      lastWasCr = buffer.endsWith('\r');
      const lines = buffer.split(/\r\n|\r|\n/);
      buffer = lines.pop() ?? '';
      for (const l of lines) line(l);
    },
    /** The id of the last event, for Last-Event-ID on reconnect. */
    get lastEventId() {
      return id;
    },
  };
}

/** Subscribes to the live events; the returned function unsubscribes (and closes the connection). */
export function subscribeLive(handlers: LiveHandlers, options: LiveOptions = {}): () => void {
  const base = options.path ?? '/api/live';
  const path = options.events?.length ? `${base}${base.includes('?') ? '&' : '?'}events=${options.events.map(encodeURIComponent).join(',')}` : base;
  const minDelay = options.minDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const idleTimeout = options.idleTimeoutMs ?? 60_000;
  const doFetch = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));

  let stopped = false;
  let controller: AbortController | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let delay = minDelay;
  let serverRetry: number | null = null;
  let lastEventId: string | undefined;

  const setState = (state: LiveState) => {
    try {
      handlers.state?.(state);
    } catch (error) {
      console.error(error);
    }
  };

  const dispatch = (message: SseMessage) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message.data);
    } catch {
      parsed = message.data;
    }
    try {
      handlers.any?.(message.event, parsed);
      if (KNOWN.has(message.event) && typeof parsed === 'object' && parsed !== null) {
        (handlers as Record<string, ((data: unknown) => void) | undefined>)[message.event]?.(parsed);
      }
    } catch (error) {
      console.error(error); // a handler's bug must not drop the connection
    }
  };

  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => controller?.abort(), idleTimeout);
  };

  const stop = () => {
    stopped = true;
    clearTimeout(retryTimer);
    clearTimeout(idleTimer);
    window.removeEventListener('online', onOnline);
    controller?.abort();
    controller = null;
    setState('stopped');
  };

  const scheduleRetry = () => {
    if (stopped) return;
    const base = Math.max(serverRetry ?? 0, delay); // the server's `retry:` is a floor; failures still back off
    const wait = Math.round(base * (0.8 + Math.random() * 0.4));
    delay = Math.min(maxDelay, delay * 2);
    setState('retrying');
    retryTimer = setTimeout(() => void connect(), wait);
  };

  /** Back online: reconnect now rather than after the delay. */
  function onOnline() {
    if (stopped || controller) return;
    clearTimeout(retryTimer);
    delay = minDelay;
    void connect();
  }

  async function connect() {
    if (stopped) return;
    if (!sessionHint.get()) {
      stop();
      return;
    }
    setState('connecting');
    const ctrl = new AbortController();
    controller = ctrl;
    armIdle();
    try {
      const headers: Record<string, string> = { accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      const response = await doFetch(path, { headers, signal: ctrl.signal, cache: 'no-store' });
      if (response.status === 401 || response.status === 403) {
        stop();
        return;
      }
      if (!response.ok || !response.body) throw new Error(`live: HTTP ${response.status}`);
      setState('open');
      delay = minDelay;
      const parser = createSseParser(
        (message) => {
          if (message.id !== undefined) lastEventId = message.id;
          dispatch(message);
        },
        (ms) => (serverRetry = Math.max(minDelay, Math.min(maxDelay, ms))),
      );
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armIdle();
        parser.push(value);
      }
    } catch {
      // network error, abort (idle or unsubscribe), bad status: retried below unless stopped
    } finally {
      clearTimeout(idleTimer);
      if (controller === ctrl) controller = null;
    }
    scheduleRetry();
  }

  window.addEventListener('online', onOnline);
  void connect();
  return stop;
}

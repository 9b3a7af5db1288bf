import { randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Logger } from 'pino';

/**
 * A minimal RTSP 1.0 relay for loopback: one publisher per path pushes a stream with
 * ANNOUNCE/SETUP/RECORD and any number of readers pull it with DESCRIBE/SETUP/PLAY, as from an IP
 * camera. RTP and RTCP travel interleaved on the RTSP connection ($-framed, "RTP/AVP/TCP") both
 * ways; UDP transport is refused with 461, which makes ffmpeg readers without
 * `-rtsp_transport tcp` retry over TCP. The relay does not look into the media: it keeps the
 * publisher's SDP and copies packets, starting each new reader at a frame boundary (after an RTP
 * packet with the marker bit). When the publisher leaves, the path disappears and its readers are
 * disconnected, so they notice at once and reconnect, as they would to a camera that rebooted.
 *
 * It exists for the demo and end-to-end tests (a video file as a virtual camera, see
 * rtsp-virtual-camera.ts); it has no authentication, so it listens on 127.0.0.1 by default.
 */
export type RtspLogger = Pick<Logger, 'debug' | 'info' | 'warn'>;

export interface RtspRelayOptions {
  /** Where both listeners bind (default 127.0.0.1). */
  host?: string;
  /** Port for readers (0 or omitted: a free port). */
  port?: number;
  /**
   * A separate port for publishers (0: a free port). Omitted: publishers use the readers' port.
   * When given, the readers' port refuses ANNOUNCE.
   */
  publishPort?: number;
  logger?: RtspLogger;
  /** A reader whose unsent data passes this is disconnected (default 8 MiB). */
  maxReaderBacklogBytes?: number;
  /** A publisher silent this long, or a connection that set nothing up, is closed (default 20 s). */
  idleTimeoutMs?: number;
}

export interface RtspRelay {
  readonly host: string;
  /** The real ports (after picking free ones). */
  readonly port: number;
  readonly publishPort: number;
  /** `rtsp://host:port/<path>`, for readers. */
  url(path: string): string;
  /** `rtsp://host:publishPort/<path>`, for the publisher (`ffmpeg … -f rtsp -rtsp_transport tcp <url>`). */
  publishUrl(path: string): string;
  /** Paths with a recording publisher now. */
  livePaths(): string[];
  /** How many readers are playing `path`. */
  readerCount(path: string): number;
  /** Stops listening and drops every connection (publishers and readers see the connection close). */
  close(): Promise<void>;
}

const silent: RtspLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined } as unknown as RtspLogger;

const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BODY_BYTES = 64 * 1024;
const PATH = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const validPath = (p: string) => PATH.test(p) && !p.split('/').some((segment) => segment === '.' || segment === '..');

interface Track {
  /** `a=control` of the media section, relative to the path (e.g. `streamid=0`). */
  control: string | undefined;
}

interface Mount {
  path: string;
  sdp: string;
  tracks: Track[];
  publisher: Connection;
  live: boolean;
  readers: Set<Connection>;
}

interface ReaderTrack {
  rtp: number;
  rtcp: number;
  /** Whether a frame boundary has passed since PLAY, so whole frames are sent. */
  synced: boolean;
}

interface Request {
  method: string;
  uri: string;
  headers: Map<string, string>;
  body: Buffer;
}

interface Connection {
  socket: net.Socket;
  /** Whether this listener takes ANNOUNCE/RECORD, and whether it serves readers. */
  publishing: boolean;
  reading: boolean;
  session: string;
  role: 'none' | 'publisher' | 'reader';
  mount?: Mount;
  /** Publisher: interleaved channel → track and kind. */
  channels: Map<number, { track: number; rtcp: boolean }>;
  /** Reader: track → its channels. */
  readerTracks: Map<number, ReaderTrack>;
  playing: boolean;
  buffer: Buffer;
}

const reasons: Record<number, string> = {
  200: 'OK',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  415: 'Unsupported Media Type',
  454: 'Session Not Found',
  455: 'Method Not Valid in This State',
  461: 'Unsupported Transport',
  501: 'Not Implemented',
};

export function normaliseRtspPath(path: string): string {
  const p = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (!validPath(p)) throw new Error(`invalid RTSP path ${JSON.stringify(path)}`);
  return p;
}

/** The SDP's media sections and their control attributes. */
function parseTracks(sdp: string): Track[] {
  const tracks: Track[] = [];
  for (const line of sdp.split(/\r?\n/)) {
    if (line.startsWith('m=')) tracks.push({ control: undefined });
    else if (line.startsWith('a=control:') && tracks.length > 0) tracks[tracks.length - 1]!.control = line.slice('a=control:'.length).trim();
  }
  return tracks;
}

function uriPath(uri: string): string | undefined {
  try {
    const url = new URL(uri);
    if (url.protocol !== 'rtsp:') return undefined;
    return decodeURIComponent(url.pathname).replace(/^\/+/, '').replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

export async function startRtspRelay(options: RtspRelayOptions = {}): Promise<RtspRelay> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silent;
  const maxBacklog = options.maxReaderBacklogBytes ?? 8 * 1024 * 1024;
  const idleTimeoutMs = options.idleTimeoutMs ?? 20_000;
  const mounts = new Map<string, Mount>();
  const connections = new Set<Connection>();
  const separatePublish = options.publishPort !== undefined;
  let closed = false;

  const listen = (port: number, publishing: boolean, reading: boolean) =>
    new Promise<net.Server>((resolve, reject) => {
      const server = net.createServer((socket) => accept(socket, publishing, reading));
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', reject);
        server.on('error', (error) => logger.warn({ err: error }, 'rtsp relay listener error'));
        resolve(server);
      });
    });

  const readerServer = await listen(options.port ?? 0, !separatePublish, true);
  let publishServer = readerServer;
  if (separatePublish) {
    try {
      publishServer = await listen(options.publishPort ?? 0, true, false);
    } catch (error) {
      readerServer.close();
      throw error;
    }
  }
  const port = (readerServer.address() as net.AddressInfo).port;
  const publishPort = (publishServer.address() as net.AddressInfo).port;
  const hostInUrl = host.includes(':') ? `[${host}]` : host;
  logger.info({ host, port, publishPort }, 'rtsp relay listening');

  function accept(socket: net.Socket, publishing: boolean, reading: boolean): void {
    if (closed) {
      socket.destroy();
      return;
    }
    const conn: Connection = {
      socket,
      publishing,
      reading,
      session: randomBytes(8).toString('hex'),
      role: 'none',
      channels: new Map(),
      readerTracks: new Map(),
      playing: false,
      buffer: Buffer.alloc(0),
    };
    connections.add(conn);
    socket.setNoDelay(true);
    socket.setTimeout(idleTimeoutMs);
    socket.on('timeout', () => {
      if (conn.role === 'reader') return;
      logger.warn({ role: conn.role, path: conn.mount?.path }, 'rtsp relay: idle connection closed');
      socket.destroy();
    });
    socket.on('data', (chunk: Buffer) => {
      conn.buffer = conn.buffer.length === 0 ? chunk : Buffer.concat([conn.buffer, chunk]);
      try {
        consume(conn);
      } catch (error) {
        logger.warn({ err: error }, 'rtsp relay: bad input, connection closed');
        socket.destroy();
      }
    });
    socket.on('error', (error) => logger.debug({ err: error }, 'rtsp relay connection error'));
    socket.on('close', () => gone(conn));
  }

  function consume(conn: Connection): void {
    while (conn.buffer.length > 0 && !conn.socket.destroyed) {
      const buf = conn.buffer;
      if (buf[0] === 0x24) {
        if (buf.length < 4) return;
        const end = 4 + buf.readUInt16BE(2);
        if (buf.length < end) return;
        const frame = buf.subarray(0, end);
        conn.buffer = buf.subarray(end);
        if (conn.role === 'publisher' && conn.mount?.live) forward(conn.mount, conn, frame);
        continue;
      }
      const headerEnd = buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) {
        if (buf.length > MAX_HEADER_BYTES) throw new Error('RTSP header too long');
        return;
      }
      const lines = buf.toString('latin1', 0, headerEnd).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      const length = Number(headers.get('content-length') ?? 0);
      if (!Number.isInteger(length) || length < 0 || length > MAX_BODY_BYTES) throw new Error('bad Content-Length');
      if (buf.length < headerEnd + 4 + length) return;
      const body = buf.subarray(headerEnd + 4, headerEnd + 4 + length);
      conn.buffer = buf.subarray(headerEnd + 4 + length);
      const [method = '', uri = '', version = ''] = lines[0]!.split(' ');
      if (method.startsWith('RTSP/')) continue; // a response: we send no requests
      if (!version.startsWith('RTSP/1.')) throw new Error('not RTSP/1.x');
      handle(conn, { method: method.toUpperCase(), uri, headers, body });
    }
  }

  function respond(conn: Connection, req: Request, status: number, headers: Record<string, string> = {}, body?: string): void {
    const lines = [`RTSP/1.0 ${status} ${reasons[status] ?? 'Error'}`, `CSeq: ${req.headers.get('cseq') ?? '0'}`, 'Server: shuxiang-rtsp-relay'];
    for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
    const payload = body === undefined ? undefined : Buffer.from(body, 'utf8');
    if (payload) lines.push(`Content-Length: ${payload.length}`);
    const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
    conn.socket.write(payload ? Buffer.concat([head, payload]) : head);
    if (status >= 400) logger.debug({ method: req.method, uri: req.uri, status }, 'rtsp relay refused a request');
  }

  function findMount(path: string | undefined): { mount: Mount; tail: string } | undefined {
    if (path === undefined) return undefined;
    let best: Mount | undefined;
    for (const mount of mounts.values()) {
      if ((path === mount.path || path.startsWith(`${mount.path}/`)) && (!best || mount.path.length > best.path.length)) best = mount;
    }
    return best ? { mount: best, tail: path.slice(best.path.length).replace(/^\/+/, '') } : undefined;
  }

  function trackIndex(mount: Mount, tail: string): number | undefined {
    const index = mount.tracks.findIndex((t) => {
      if (t.control === undefined) return false;
      const control = t.control.startsWith('rtsp://') ? (findMount(uriPath(t.control))?.tail ?? t.control) : t.control;
      return control === tail;
    });
    if (index >= 0) return index;
    return mount.tracks.length === 1 ? 0 : undefined;
  }

  function parseTransport(value: string | undefined): { rtp: number; rtcp: number } | 'udp' | undefined {
    if (!value) return undefined;
    // Clients may offer several transports, comma-separated: take the first interleaved one.
    for (const option of value.split(',')) {
      const parts = option.split(';').map((p) => p.trim());
      if (!/^RTP\/AVP\/TCP$/i.test(parts[0] ?? '')) continue;
      const interleaved = parts.find((p) => p.toLowerCase().startsWith('interleaved='));
      if (!interleaved) return { rtp: -1, rtcp: -1 };
      const m = /^interleaved=(\d+)(?:-(\d+))?$/i.exec(interleaved);
      if (!m) return undefined;
      const rtp = Number(m[1]);
      const rtcp = m[2] === undefined ? rtp + 1 : Number(m[2]);
      if (rtp > 255 || rtcp > 255) return undefined;
      return { rtp, rtcp };
    }
    return 'udp';
  }

  function handle(conn: Connection, req: Request): void {
    const session = req.headers.get('session')?.split(';')[0]?.trim();
    if (session !== undefined && conn.role !== 'none' && session !== conn.session) return respond(conn, req, 454);
    const sessionHeader = { Session: `${conn.session};timeout=60` };
    const methods = [...(conn.reading ? ['DESCRIBE', 'PLAY'] : []), ...(conn.publishing ? ['ANNOUNCE', 'RECORD'] : [])];
    switch (req.method) {
      case 'OPTIONS':
        return respond(conn, req, 200, { Public: ['OPTIONS', ...methods, 'SETUP', 'TEARDOWN', 'GET_PARAMETER', 'SET_PARAMETER'].join(', ') });
      case 'GET_PARAMETER':
      case 'SET_PARAMETER':
        return respond(conn, req, 200, conn.role === 'none' ? {} : sessionHeader);
      case 'DESCRIBE': {
        if (!conn.reading) return respond(conn, req, 405, { Allow: 'OPTIONS, ANNOUNCE, SETUP, RECORD, TEARDOWN' });
        const path = uriPath(req.uri);
        const mount = path === undefined ? undefined : mounts.get(path);
        if (!mount?.live) return respond(conn, req, 404);
        return respond(conn, req, 200, { 'Content-Base': `${relay.url(mount.path)}/`, 'Content-Type': 'application/sdp' }, mount.sdp);
      }
      case 'ANNOUNCE': {
        if (!conn.publishing) return respond(conn, req, 405, { Allow: 'OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN' });
        if (conn.role !== 'none') return respond(conn, req, 455);
        const raw = uriPath(req.uri);
        if (raw === undefined || !validPath(raw)) return respond(conn, req, 400);
        if (!/^application\/sdp\b/i.test(req.headers.get('content-type') ?? '')) return respond(conn, req, 415);
        if (mounts.has(raw)) {
          logger.warn({ path: raw }, 'rtsp relay: path already has a publisher');
          return respond(conn, req, 403);
        }
        const sdp = req.body.toString('utf8');
        const tracks = parseTracks(sdp);
        if (tracks.length === 0) return respond(conn, req, 400);
        const mount: Mount = { path: raw, sdp, tracks, publisher: conn, live: false, readers: new Set() };
        mounts.set(raw, mount);
        conn.role = 'publisher';
        conn.mount = mount;
        return respond(conn, req, 200, sessionHeader);
      }
      case 'SETUP': {
        const transport = parseTransport(req.headers.get('transport'));
        if (transport === 'udp') return respond(conn, req, 461);
        if (!transport) return respond(conn, req, 400);
        if (conn.role === 'publisher') {
          const mount = conn.mount!;
          const found = findMount(uriPath(req.uri));
          if (found?.mount !== mount || conn.playing) return respond(conn, req, 455);
          const track = trackIndex(mount, found.tail);
          if (track === undefined) return respond(conn, req, 404);
          const rtp = transport.rtp >= 0 ? transport.rtp : track * 2;
          const rtcp = transport.rtp >= 0 ? transport.rtcp : track * 2 + 1;
          conn.channels.set(rtp, { track, rtcp: false });
          conn.channels.set(rtcp, { track, rtcp: true });
          return respond(conn, req, 200, { ...sessionHeader, Transport: `RTP/AVP/TCP;unicast;interleaved=${rtp}-${rtcp};mode=record` });
        }
        if (!conn.reading) return respond(conn, req, 405);
        const found = findMount(uriPath(req.uri));
        if (!found?.mount.live) return respond(conn, req, 404);
        if (conn.role === 'reader' && (found.mount !== conn.mount || conn.playing)) return respond(conn, req, 455);
        const track = trackIndex(found.mount, found.tail);
        if (track === undefined) return respond(conn, req, 404);
        conn.role = 'reader';
        conn.mount = found.mount;
        conn.socket.setTimeout(0);
        conn.socket.setKeepAlive(true, 10_000);
        const rtp = transport.rtp >= 0 ? transport.rtp : track * 2;
        const rtcp = transport.rtp >= 0 ? transport.rtcp : track * 2 + 1;
        conn.readerTracks.set(track, { rtp, rtcp, synced: false });
        return respond(conn, req, 200, { ...sessionHeader, Transport: `RTP/AVP/TCP;unicast;interleaved=${rtp}-${rtcp}` });
      }
      case 'RECORD': {
        if (conn.role !== 'publisher' || conn.channels.size === 0) return respond(conn, req, 455);
        const mount = conn.mount!;
        mount.live = true;
        conn.playing = true;
        logger.info({ path: mount.path }, 'rtsp relay: publishing');
        return respond(conn, req, 200, sessionHeader);
      }
      case 'PLAY': {
        if (conn.role !== 'reader' || conn.readerTracks.size === 0) return respond(conn, req, 455);
        const mount = conn.mount!;
        if (!mount.live || mounts.get(mount.path) !== mount) return respond(conn, req, 404);
        respond(conn, req, 200, { ...sessionHeader, Range: 'npt=0.000-' });
        if (!conn.playing) {
          conn.playing = true;
          mount.readers.add(conn);
          logger.debug({ path: mount.path, readers: mount.readers.size }, 'rtsp relay: reader playing');
        }
        return;
      }
      case 'PAUSE':
        return respond(conn, req, 501);
      case 'TEARDOWN':
        respond(conn, req, 200, conn.role === 'none' ? {} : sessionHeader);
        conn.socket.end();
        return gone(conn);
      default:
        return respond(conn, req, 501);
    }
  }

  function forward(mount: Mount, publisher: Connection, frame: Buffer): void {
    const mapped = publisher.channels.get(frame[1]!);
    if (!mapped) return;
    // RTP version 2, marker bit: the last packet of a frame.
    const marker = !mapped.rtcp && frame.length >= 6 && (frame[5]! & 0x80) !== 0;
    for (const reader of mount.readers) {
      const track = reader.readerTracks.get(mapped.track);
      if (!track) continue;
      if (!mapped.rtcp && !track.synced) {
        if (marker) track.synced = true;
        continue;
      }
      if (reader.socket.writableLength > maxBacklog) {
        logger.warn({ path: mount.path }, 'rtsp relay: reader too slow, disconnected');
        reader.socket.destroy();
        continue;
      }
      const channel = mapped.rtcp ? track.rtcp : track.rtp;
      if (channel === frame[1]) {
        reader.socket.write(frame);
      } else {
        const copy = Buffer.from(frame);
        copy[1] = channel;
        reader.socket.write(copy);
      }
    }
  }

  function gone(conn: Connection): void {
    if (!connections.delete(conn)) return;
    const mount = conn.mount;
    if (!mount) return;
    if (conn.role === 'publisher' && mounts.get(mount.path) === mount) {
      mounts.delete(mount.path);
      if (mount.live) logger.info({ path: mount.path, readers: mount.readers.size }, 'rtsp relay: publisher left');
      for (const reader of mount.readers) reader.socket.end();
      mount.readers.clear();
    } else if (conn.role === 'reader') {
      mount.readers.delete(conn);
    }
  }

  const relay: RtspRelay = {
    host,
    port,
    publishPort,
    url: (path) => `rtsp://${hostInUrl}:${port}/${normaliseRtspPath(path)}`,
    publishUrl: (path) => `rtsp://${hostInUrl}:${publishPort}/${normaliseRtspPath(path)}`,
    livePaths: () => [...mounts.values()].filter((m) => m.live).map((m) => m.path),
    readerCount: (path) => mounts.get(normaliseRtspPath(path))?.readers.size ?? 0,
    async close() {
      if (closed) return;
      closed = true;
      const closing = [readerServer, ...(separatePublish ? [publishServer] : [])].map(
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      );
      for (const conn of [...connections]) conn.socket.destroy();
      mounts.clear();
      await Promise.all(closing);
      logger.info({ port }, 'rtsp relay closed');
    },
  };
  return relay;
}

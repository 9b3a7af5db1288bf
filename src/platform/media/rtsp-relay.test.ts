import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type RtspRelay, normaliseRtspPath, startRtspRelay } from './rtsp-relay.js';

/** A bare RTSP client: sends requests, collects responses and interleaved frames. */
class RawClient {
  private buffer = Buffer.alloc(0);
  private cseq = 0;
  readonly frames: { channel: number; payload: Buffer }[] = [];
  private pending: ((r: { status: number; headers: Map<string, string>; body: string }) => void)[] = [];
  readonly ended: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.parse();
    });
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  private parse(): void {
    for (;;) {
      if (this.buffer[0] === 0x24) {
        if (this.buffer.length < 4) return;
        const end = 4 + this.buffer.readUInt16BE(2);
        if (this.buffer.length < end) return;
        this.frames.push({ channel: this.buffer[1]!, payload: this.buffer.subarray(4, end) });
        this.buffer = this.buffer.subarray(end);
        continue;
      }
      const headerEnd = this.buffer.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const lines = this.buffer.toString('latin1', 0, headerEnd).split('\r\n');
      const headers = new Map<string, string>();
      for (const line of lines.slice(1)) headers.set(line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim());
      const length = Number(headers.get('content-length') ?? 0);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.toString('utf8', headerEnd + 4, headerEnd + 4 + length);
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.pending.shift()?.({ status: Number(lines[0]!.split(' ')[1]), headers, body });
    }
  }

  request(method: string, uri: string, headers: Record<string, string> = {}, body = '') {
    const lines = [`${method} ${uri} RTSP/1.0`, `CSeq: ${++this.cseq}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
    this.socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`);
    return new Promise<{ status: number; headers: Map<string, string>; body: string }>((resolve) => this.pending.push(resolve));
  }

  sendFrame(channel: number, payload: Buffer): void {
    const head = Buffer.alloc(4);
    head[0] = 0x24;
    head[1] = channel;
    head.writeUInt16BE(payload.length, 2);
    this.socket.write(Buffer.concat([head, payload]));
  }
}

const SDP = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=test', 't=0 0', 'm=video 0 RTP/AVP 96', 'a=rtpmap:96 H264/90000', 'a=control:streamid=0', ''].join('\r\n');

/** An RTP packet (12-byte header) with the given sequence number and marker bit. */
const rtp = (seq: number, marker: boolean) => {
  const p = Buffer.alloc(16);
  p[0] = 0x80;
  p[1] = (marker ? 0x80 : 0) | 96;
  p.writeUInt16BE(seq, 2);
  return p;
};

const until = async (check: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
};

async function publish(relay: RtspRelay, path: string, port = relay.publishPort): Promise<RawClient> {
  const pub = await RawClient.connect(port);
  const url = `rtsp://127.0.0.1:${port}/${path}`;
  expect((await pub.request('ANNOUNCE', url, { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(200);
  const setup = await pub.request('SETUP', `${url}/streamid=0`, { Transport: 'RTP/AVP/TCP;unicast;interleaved=0-1;mode=record' });
  expect(setup.status).toBe(200);
  const session = setup.headers.get('session')!.split(';')[0]!;
  expect((await pub.request('RECORD', url, { Session: session })).status).toBe(200);
  return pub;
}

async function play(relay: RtspRelay, path: string, interleaved = '0-1'): Promise<RawClient> {
  const reader = await RawClient.connect(relay.port);
  const described = await reader.request('DESCRIBE', relay.url(path), { Accept: 'application/sdp' });
  expect(described.status).toBe(200);
  const setup = await reader.request('SETUP', `${described.headers.get('content-base')}streamid=0`, { Transport: `RTP/AVP/TCP;unicast;interleaved=${interleaved}` });
  expect(setup.status).toBe(200);
  expect(setup.headers.get('transport')).toContain(`interleaved=${interleaved}`);
  const session = setup.headers.get('session')!.split(';')[0]!;
  expect((await reader.request('PLAY', relay.url(path), { Session: session })).status).toBe(200);
  return reader;
}

describe('RTSP relay', () => {
  let relay: RtspRelay | undefined;
  afterEach(async () => {
    await relay?.close();
    relay = undefined;
  });

  it('relays a publisher to readers over interleaved TCP, whole frames first, channels rewritten', async () => {
    relay = await startRtspRelay({ port: 0 });
    expect(relay.port).toBeGreaterThan(0);
    expect(relay.publishPort).toBe(relay.port);
    expect(relay.url('/cam1/')).toBe(`rtsp://127.0.0.1:${relay.port}/cam1`);

    const nobody = await RawClient.connect(relay.port);
    expect((await nobody.request('DESCRIBE', relay.url('cam1'))).status).toBe(404);
    expect((await nobody.request('OPTIONS', '*')).headers.get('public')).toContain('DESCRIBE');

    const pub = await publish(relay, 'cam1');
    expect(relay.livePaths()).toEqual(['cam1']);
    const described = await nobody.request('DESCRIBE', relay.url('cam1'));
    expect(described.body).toBe(SDP);
    expect(described.headers.get('content-base')).toBe(`${relay.url('cam1')}/`);
    // UDP is refused, which makes ffmpeg retry with TCP.
    expect((await nobody.request('SETUP', `${relay.url('cam1')}/streamid=0`, { Transport: 'RTP/AVP;unicast;client_port=5000-5001' })).status).toBe(461);

    const a = await play(relay, 'cam1');
    const b = await play(relay, 'cam1', '4-5');
    expect(relay.readerCount('cam1')).toBe(2);
    // Mid-frame packets before the first marker are held back; RTCP passes.
    pub.sendFrame(0, rtp(1, false));
    pub.sendFrame(0, rtp(2, true));
    pub.sendFrame(1, Buffer.from([0x80, 200, 0, 1, 0, 0, 0, 0]));
    pub.sendFrame(0, rtp(3, false));
    pub.sendFrame(0, rtp(4, true));
    pub.sendFrame(9, rtp(5, true)); // a channel the publisher never set up
    await until(() => a.frames.length === 3 && b.frames.length === 3);
    expect(a.frames.map((f) => [f.channel, f.payload[1]! === 200 ? 'rtcp' : f.payload.readUInt16BE(2)])).toEqual([[1, 'rtcp'], [0, 3], [0, 4]]);
    expect(b.frames.map((f) => f.channel)).toEqual([5, 4, 4]);

    // A second publisher for the same path is refused.
    const other = await RawClient.connect(relay.port);
    expect((await other.request('ANNOUNCE', relay.url('cam1'), { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(403);

    // The publisher leaving ends its readers' connections and frees the path.
    pub.socket.destroy();
    await Promise.all([a.ended, b.ended]);
    expect(relay.livePaths()).toEqual([]);
    await publish(relay, 'cam1');
    expect(relay.livePaths()).toEqual(['cam1']);
    for (const c of [nobody, other]) c.socket.destroy();
  });

  it('can take publishers on a separate port, which readers cannot publish to', async () => {
    relay = await startRtspRelay({ port: 0, publishPort: 0 });
    expect(relay.publishPort).not.toBe(relay.port);
    expect(relay.publishUrl('x/y')).toBe(`rtsp://127.0.0.1:${relay.publishPort}/x/y`);
    const intruder = await RawClient.connect(relay.port);
    expect((await intruder.request('ANNOUNCE', relay.url('cam'), { 'Content-Type': 'application/sdp' }, SDP)).status).toBe(405);
    await publish(relay, 'x/y');
    const reader = await play(relay, 'x/y');
    const onPublishPort = await RawClient.connect(relay.publishPort);
    expect((await onPublishPort.request('DESCRIBE', relay.publishUrl('x/y'))).status).toBe(405);
    // close() drops everyone.
    await relay.close();
    await Promise.all([reader.ended, intruder.ended, onPublishPort.ended]);
  });

  it('rejects malformed input and bad paths', async () => {
    expect(() => normaliseRtspPath('../etc')).toThrow();
    expect(() => normaliseRtspPath('a b')).toThrow();
    relay = await startRtspRelay();
    const junk = await RawClient.connect(relay.port);
    junk.socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await junk.ended;
  });
});

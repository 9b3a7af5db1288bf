import { execFile } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { locateFfmpeg } from './ffmpeg.js';
import { rtspInputArgs, rtspTimeoutFlag } from './rtsp-reader.js';

const binary = locateFfmpeg()!;

describe('RTSP reader options', () => {
  it('uses -stimeout with the bundled ffmpeg 4.x (its -timeout would listen instead)', () => {
    expect(rtspTimeoutFlag(binary)).toBe('-stimeout');
    expect(rtspInputArgs(binary, 'rtsp://127.0.0.1:1/cam', { timeoutMs: 1500 })).toEqual([
      '-rtsp_transport', 'tcp', '-stimeout', '1500000', '-fpsprobesize', '0', '-i', 'rtsp://127.0.0.1:1/cam',
    ]);
  });

  it('makes a reader of a silent camera give up with an error instead of hanging', async () => {
    const server = net.createServer(() => undefined); // accepts and never answers
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const started = Date.now();
    try {
      const code = await new Promise<number | null>((resolve) => {
        const proc = execFile(binary, ['-hide_banner', '-nostdin', '-loglevel', 'error', ...rtspInputArgs(binary, `rtsp://127.0.0.1:${port}/cam`, { timeoutMs: 1000 }), '-frames:v', '1', '-f', 'null', '-'], { timeout: 8000 });
        proc.once('exit', (c) => resolve(c));
      });
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      server.close();
    }
  });
});

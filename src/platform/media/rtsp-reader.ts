import { execFileSync } from 'node:child_process';

/**
 * The ffmpeg input options for reading an RTSP camera, as the detector and the tests do.
 *
 * The socket timeout's name changed: ffmpeg 4.x calls it `-stimeout` (microseconds) and its
 * `-timeout` means "wait for an incoming connection" (it turns the reader into an RTSP server!);
 * ffmpeg 5+ removed `-stimeout` and `-timeout` became the socket timeout. The bundled
 * @ffmpeg-installer binary is a 2018 4.x build, so `-stimeout`. Which one applies is read from the
 * binary's own help once per binary.
 */
const timeoutFlags = new Map<string, '-stimeout' | '-timeout'>();

export function rtspTimeoutFlag(binary: string): '-stimeout' | '-timeout' {
  let flag = timeoutFlags.get(binary);
  if (!flag) {
    const help = execFileSync(binary, ['-hide_banner', '-h', 'demuxer=rtsp'], { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
    const timeoutLine = /^\s*-timeout\s.*$/m.exec(help)?.[0] ?? '';
    flag = /socket/i.test(timeoutLine) || !/^\s*-stimeout\s/m.test(help) ? '-timeout' : '-stimeout';
    timeoutFlags.set(binary, flag);
  }
  return flag;
}

export interface RtspInputOptions {
  /** Give up when the socket is silent this long (default 5 s): a dead camera makes ffmpeg exit instead of hang. */
  timeoutMs?: number;
}

/**
 * `-rtsp_transport tcp <timeout flag> <µs> -fpsprobesize 0 -i <url>`: RTP interleaved on the RTSP
 * connection (no UDP ports, passes NAT and firewalls, no loss on loopback), a socket timeout, and
 * no waiting for 20 frames to estimate the frame rate (otherwise 2 s at 10 fps before the first
 * frame). Codec parameters are still probed, so cameras whose SDP lacks them work too.
 */
export function rtspInputArgs(binary: string, url: string, options: RtspInputOptions = {}): string[] {
  const micros = Math.round((options.timeoutMs ?? 5000) * 1000);
  return ['-rtsp_transport', 'tcp', rtspTimeoutFlag(binary), String(micros), '-fpsprobesize', '0', '-i', url];
}

import { Duplex } from 'node:stream';

export type GateRefusal =
  | { reason: 'packet_too_large'; announcedBytes: number; limitBytes: number }
  | { reason: 'too_much_before_auth'; receivedBytes: number; limitBytes: number }
  | { reason: 'malformed_length' };

/**
 * Stands between a client's socket and aedes and reads the fixed header of every MQTT packet
 * (a type byte, then a remaining length of 1–4 bytes). aedes' parser (mqtt-packet) keeps a packet
 * in memory until it is complete, whatever length it announces, so a packet announced larger than
 * the limit ends the connection here, at its header, before any of its body reaches aedes. Until
 * `authenticated()`, the connection may send at most `preAuthBytes` in all, so an anonymous peer
 * can make the broker hold only that much.
 */
export class PacketGate extends Duplex {
  private authenticatedYet = false;
  private receivedBeforeAuth = 0;
  /** Parser state: bytes of the current packet's body still to pass; header position (0: type byte next). */
  private bodyLeft = 0;
  private headerPos = 0;
  private remainingLength = 0;
  private multiplier = 1;

  constructor(
    readonly inner: Duplex,
    private readonly limits: { preAuthBytes: number; maxPacketBytes: number; onRefused(refusal: GateRefusal): void },
  ) {
    super({ allowHalfOpen: false });
    inner.on('data', (chunk: Buffer) => this.onData(chunk));
    inner.once('end', () => this.push(null));
    // `on`, not `once`: a TLS socket may report more than one error, and an unheard one would crash the process.
    inner.on('error', (error) => this.destroy(error));
    inner.once('close', () => this.destroy());
  }

  /** From now on packets up to `maxPacketBytes` pass, with no total. */
  authenticated(): void {
    this.authenticatedYet = true;
  }

  private onData(chunk: Buffer): void {
    if (this.destroyed) return;
    const refusal = this.inspect(chunk);
    if (refusal) {
      this.limits.onRefused(refusal);
      this.destroy();
      return;
    }
    if (!this.push(chunk)) this.inner.pause();
  }

  private inspect(chunk: Buffer): GateRefusal | undefined {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const skipped = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= skipped;
        i += skipped;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.headerPos === 0) {
        this.headerPos = 1;
        this.remainingLength = 0;
        this.multiplier = 1;
        continue;
      }
      this.remainingLength += (byte & 0x7f) * this.multiplier;
      if (byte & 0x80) {
        // MQTT allows at most four length bytes.
        if (this.headerPos === 4) return { reason: 'malformed_length' };
        this.headerPos++;
        this.multiplier *= 128;
        continue;
      }
      const packetBytes = 1 + this.headerPos + this.remainingLength;
      const limit = this.authenticatedYet ? this.limits.maxPacketBytes : this.limits.preAuthBytes;
      if (packetBytes > limit) return { reason: 'packet_too_large', announcedBytes: packetBytes, limitBytes: limit };
      this.headerPos = 0;
      this.bodyLeft = this.remainingLength;
    }
    if (!this.authenticatedYet) {
      this.receivedBeforeAuth += chunk.length;
      if (this.receivedBeforeAuth > this.limits.preAuthBytes) {
        return { reason: 'too_much_before_auth', receivedBytes: this.receivedBeforeAuth, limitBytes: this.limits.preAuthBytes };
      }
    }
    return undefined;
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.inner.write(chunk)) callback();
    else this.inner.once('drain', () => callback());
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.inner.cork();
    let flowing = true;
    for (const { chunk } of chunks) flowing = this.inner.write(chunk);
    this.inner.uncork();
    if (flowing) callback();
    else this.inner.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.inner.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner.destroy();
    callback(error);
  }
}

import { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type GateRefusal, PacketGate } from './packet-gate.js';

/** MQTT's remaining length: 7 bits a byte, least significant first, high bit = more follows. */
function remainingLength(n: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    bytes.push(byte);
  } while (n > 0);
  return Buffer.from(bytes);
}
/** A packet of `type` (first byte) whose whole size, fixed header included, is `totalBytes`. */
function packetOfSize(type: number, totalBytes: number): Buffer {
  for (let lengthBytes = 1; lengthBytes <= 4; lengthBytes++) {
    const body = totalBytes - 1 - lengthBytes;
    if (remainingLength(body).length === lengthBytes) return Buffer.concat([Buffer.from([type]), remainingLength(body), Buffer.alloc(body, 0x61)]);
  }
  throw new Error(`no packet of ${totalBytes} bytes`);
}

/** A gate over a fake socket: what the socket receives is fed in chunks; what passed and why it closed are recorded. */
function gateOver(limits = { preAuthBytes: 8192, maxPacketBytes: 16384 }) {
  const inner = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
  const refusals: GateRefusal[] = [];
  const gate = new PacketGate(inner, { ...limits, onRefused: (refusal) => refusals.push(refusal) });
  const passed: Buffer[] = [];
  gate.on('data', (chunk: Buffer) => passed.push(chunk));
  gate.on('error', () => undefined);
  const feed = async (...chunks: Buffer[]) => {
    for (const chunk of chunks) {
      if (inner.destroyed) break;
      inner.push(chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { inner, gate, refusals, feed, passedBytes: () => Buffer.concat(passed) };
}
const bytewise = (buffer: Buffer) => [...buffer].map((byte) => Buffer.from([byte]));

describe('PacketGate', () => {
  it('passes packets within the limits unchanged, however the bytes are split (length bytes included)', async () => {
    const { gate, feed, refusals, passedBytes } = gateOver();
    const connect = packetOfSize(0x10, 300);
    const afterAuth = [packetOfSize(0x32, 200), packetOfSize(0x32, 16384), packetOfSize(0xc0, 2)];
    await feed(...bytewise(connect));
    gate.authenticated();
    const stream = Buffer.concat(afterAuth);
    // Cut at odd places: inside a remaining length of two bytes, and across packet boundaries.
    await feed(stream.subarray(0, 201), stream.subarray(201, 202), stream.subarray(202, 9000), stream.subarray(9000));
    expect(refusals).toEqual([]);
    expect(passedBytes().equals(Buffer.concat([connect, stream]))).toBe(true);
    expect(gate.destroyed).toBe(false);
  });

  it('refuses a CONNECT announcing 250 MB at its header: none of it reaches the broker', async () => {
    const { inner, gate, feed, refusals, passedBytes } = gateOver();
    const announced = 250 * 1024 * 1024;
    await feed(Buffer.concat([Buffer.from([0x10]), remainingLength(announced)]), Buffer.alloc(1000));
    expect(refusals).toEqual([{ reason: 'packet_too_large', announcedBytes: 1 + 4 + announced, limitBytes: 8192 }]);
    expect(passedBytes().length).toBe(0);
    expect(gate.destroyed).toBe(true);
    expect(inner.destroyed).toBe(true);
  });

  it('after authentication: a packet of exactly the limit passes, one byte more is refused at its header', async () => {
    const { gate, feed, refusals, passedBytes } = gateOver();
    const connect = packetOfSize(0x10, 100);
    await feed(connect);
    gate.authenticated();
    const atLimit = packetOfSize(0x30, 16384);
    const overLimit = packetOfSize(0x30, 16385);
    await feed(atLimit, overLimit.subarray(0, 4), overLimit.subarray(4));
    expect(refusals).toEqual([{ reason: 'packet_too_large', announcedBytes: 16385, limitBytes: 16384 }]);
    expect(passedBytes().equals(Buffer.concat([connect, atLimit]))).toBe(true);
  });

  it('before authentication, counts everything sent: many small packets cannot add up to more than the limit', async () => {
    const { feed, refusals, passedBytes } = gateOver();
    const small = packetOfSize(0x10, 1000);
    await feed(...Array.from({ length: 9 }, () => small));
    expect(refusals).toEqual([{ reason: 'too_much_before_auth', receivedBytes: 9000, limitBytes: 8192 }]);
    expect(passedBytes().length).toBe(8000);
  });

  it('refuses a remaining length of more than four bytes', async () => {
    const { feed, refusals } = gateOver();
    await feed(Buffer.from([0x10, 0xff, 0xff, 0xff, 0xff, 0x01]));
    expect(refusals).toEqual([{ reason: 'malformed_length' }]);
  });

  it('writes what the broker sends to the socket', async () => {
    const written: Buffer[] = [];
    const inner = new Duplex({ read() {}, write(chunk: Buffer, _encoding, callback) { written.push(chunk); callback(); } });
    const gate = new PacketGate(inner, { preAuthBytes: 8192, maxPacketBytes: 16384, onRefused: () => undefined });
    gate.write(Buffer.from([0x20, 0x02, 0x00, 0x00]));
    gate.cork();
    gate.write(Buffer.from([0x90]));
    gate.write(Buffer.from([0x03, 0x00, 0x01, 0x01]));
    gate.uncork();
    await new Promise((resolve) => setImmediate(resolve));
    expect(Buffer.concat(written)).toEqual(Buffer.from([0x20, 0x02, 0x00, 0x00, 0x90, 0x03, 0x00, 0x01, 0x01]));
  });
});

import { z } from 'zod';

/**
 * The MQTT payload contract between the platform and the devices (docs/devices.md), shared by
 * the platform, which validates what devices send, and the speaker simulator, which validates
 * what the platform sends. Payloads are UTF-8 JSON objects; unknown fields are refused, like
 * the HTTP API's. Times are ISO 8601 UTC.
 */

/** The largest payload the platform accepts from a device; bigger ones are rejected unread. */
export const MAX_DEVICE_PAYLOAD_BYTES = 4096;

export const commandId = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'a command id has 1–64 letters, digits or _ . : -');
const volume = z.number().int().min(0).max(100);
const isoTime = z.iso.datetime({ offset: true });

// --- platform → device: <prefix>/devices/<id>/cmd (QoS 1, not retained) -------------------------

export const playCommand = z.strictObject({
  id: commandId,
  type: z.literal('play'),
  /** http(s) URL of a WAV or MP3 file the device fetches. */
  url: z.url({ protocol: /^https?$/ }).max(2048),
  /** 0 (routine) … 9 (emergency). A play at or above the current one's priority interrupts it. */
  priority: z.number().int().min(0).max(9),
  /** Play the file this many times in a row (default 1). */
  repeat: z.number().int().min(1).max(20).optional(),
  /** Volume for this play only; otherwise the device's volume. */
  volume: volume.optional(),
  sentAt: isoTime,
  /** A device that receives the command after this time does not play it (acks failed/expired). */
  expiresAt: isoTime.optional(),
  /** What the audio says, when it is speech: for a speaker's display, and the simulator's log. */
  text: z.string().max(1000).optional(),
});

export const stopCommand = z.strictObject({
  id: commandId,
  type: z.literal('stop'),
  /** Stop only this play (its command id); without it, whatever is playing. */
  target: commandId.optional(),
  sentAt: isoTime,
});

export const setVolumeCommand = z.strictObject({
  id: commandId,
  type: z.literal('set-volume'),
  volume,
  sentAt: isoTime,
});

export const deviceCommand = z.discriminatedUnion('type', [playCommand, stopCommand, setVolumeCommand]);

export type PlayCommand = z.infer<typeof playCommand>;
export type StopCommand = z.infer<typeof stopCommand>;
export type SetVolumeCommand = z.infer<typeof setVolumeCommand>;
export type DeviceCommand = z.infer<typeof deviceCommand>;

// --- device → platform ------------------------------------------------------------------------

/** <prefix>/devices/<id>/status — QoS 1, retained. The last will carries `{"state":"offline","reason":"connection_lost"}`. */
export const deviceStatus = z.discriminatedUnion('state', [
  z.strictObject({
    state: z.literal('online'),
    volume,
    /** The command id being played, or null when silent. */
    playing: commandId.nullable().optional(),
    firmware: z.string().max(64).optional(),
  }),
  z.strictObject({
    state: z.literal('offline'),
    /** `connection_lost` (the last will), `shutdown`, or a device's own word. */
    reason: z.string().regex(/^[a-z0-9_]{1,32}$/).optional(),
  }),
]);

export const ackStates = ['received', 'playing', 'finished', 'failed'] as const;
export type AckState = (typeof ackStates)[number];

/** <prefix>/devices/<id>/ack — QoS 1. Every command is acknowledged `received`, then `finished` or `failed`; a play also `playing`. */
export const deviceAck = z.strictObject({
  commandId,
  state: z.enum(ackStates),
  /** Why it failed: `stopped`, `interrupted`, `busy`, `expired`, `fetch_failed`, `unsupported_audio`, … (a code, then optionally ': detail'). */
  reason: z.string().min(1).max(200).optional(),
  at: isoTime.optional(),
});

/** <prefix>/devices/<id>/heartbeat — QoS 0, every 30 s; 90 s of silence marks the device offline. */
export const deviceHeartbeat = z.strictObject({
  uptimeSeconds: z.number().int().min(0).optional(),
  volume: volume.optional(),
  playing: commandId.nullable().optional(),
  rssi: z.number().int().min(-150).max(0).optional(),
});

export type DeviceStatus = z.infer<typeof deviceStatus>;
export type DeviceAck = z.infer<typeof deviceAck>;
export type DeviceHeartbeat = z.infer<typeof deviceHeartbeat>;

export type RejectReason = 'too_large' | 'not_json' | 'invalid';

/** Parses a device payload: size first, then JSON, then the schema. Never throws. */
export function parseDevicePayload<T extends z.ZodType>(
  schema: T,
  payload: Buffer,
): { ok: true; value: z.infer<T> } | { ok: false; reason: RejectReason; detail: string } {
  if (payload.length > MAX_DEVICE_PAYLOAD_BYTES) return { ok: false, reason: 'too_large', detail: `${payload.length} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(payload.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not_json', detail: 'not JSON' };
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: 'invalid', detail: detail.slice(0, 200) };
  }
  return { ok: true, value: result.data };
}

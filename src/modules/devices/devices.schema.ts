import { z } from 'zod';
import { pageOf, pageQuery } from '../../platform/http/pagination.js';
import { DEVICE_ID_PATTERN } from '../../platform/mqtt/topics.js';
import { regionCode } from '../regions/regions.schema.js';

export const deviceKinds = ['speaker'] as const;

export const deviceId = z
  .string()
  .regex(DEVICE_ID_PATTERN, '设备编号为 3–64 位小写字母、数字、- 或 _ / a device id has 3–64 lower-case letters, digits, - or _');

const location = z.strictObject({ lon: z.number().min(-180).max(180), lat: z.number().min(-90).max(90) });
const volume = z.number().int().min(0).max(100);
const cameraId = z.string().trim().min(1).max(64);

export const deviceParams = z.strictObject({ id: deviceId });

export const listDevicesQuery = z.strictObject({
  village: regionCode.optional().describe('devices in this village (or grid) and below'),
  online: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  kind: z.enum(deviceKinds).optional(),
  q: z.string().trim().min(1).max(50).optional().describe('part of the name or id'),
  ...pageQuery,
});

export const createDeviceBody = z.strictObject({
  id: deviceId.optional().describe('default: spk-<village code>-<nn>'),
  kind: z.enum(deviceKinds).default('speaker'),
  name: z.string().trim().min(1).max(100),
  regionCode: regionCode.optional().describe('the village or grid it stands in; default: the caller’s own village'),
  location: location.optional(),
  boundCameraId: cameraId.optional(),
  volume: volume.optional(),
  secret: z
    .string()
    .regex(/^[\x21-\x39\x3b-\x7e]{32,128}$/, '32–128 printable ASCII characters without spaces or colons')
    .optional()
    .describe('a secret provisioned in the device at the factory; default: a new random one'),
});

export const updateDeviceBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional(),
    regionCode: regionCode.optional(),
    location: location.nullable().optional(),
    boundCameraId: cameraId.nullable().optional(),
    volume: volume.optional().describe('sent to the device at once when it is online, otherwise when it next comes online'),
    enabled: z.boolean().optional().describe('false: the device is refused by the broker until enabled again'),
  })
  .refine((body) => Object.keys(body).length > 0, { message: '至少修改一个字段 / change at least one field' });

export const deviceTopicsView = z.object({ cmd: z.string(), status: z.string(), ack: z.string(), heartbeat: z.string() });

export const deviceView = z.object({
  id: z.string(),
  kind: z.enum(deviceKinds),
  name: z.string(),
  regionCode: z.string(),
  regionName: z.string(),
  location: z.object({ lon: z.number(), lat: z.number() }).nullable(),
  boundCameraId: z.string().nullable(),
  volume: z.number().int().describe('the volume the platform wants'),
  reportedVolume: z.number().int().nullable().describe('the volume the device last reported'),
  playing: z.string().nullable().describe('command id of what it plays now, as last reported'),
  firmware: z.string().nullable(),
  online: z.boolean(),
  onlineChangedAt: z.string().nullable(),
  lastSeenAt: z.string().nullable(),
  enabled: z.boolean(),
  rejectedMessages: z.number().int().describe('malformed messages from this device, counted and ignored'),
  lastRejectedAt: z.string().nullable(),
  lastRejectedReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const deviceDetail = deviceView.extend({ topics: deviceTopicsView });

export const devicePage = pageOf(deviceView);

export const deviceCredentials = z.object({
  device: deviceDetail,
  secret: z.string().describe('shown once; store it in the device'),
  broker: z.object({ url: z.string().nullable(), username: z.string(), clientId: z.string(), protocolVersion: z.literal(4) }),
});

export const deviceStats = z.object({
  total: z.number().int(),
  online: z.number().int(),
  offline: z.number().int(),
  disabled: z.number().int(),
  rejectedMessages: z.number().int().describe('sum over the devices in scope'),
  process: z
    .object({
      connected: z.boolean(),
      broker: z.enum(['embedded', 'external']).nullable(),
      received: z.number().int(),
      rejected: z.record(z.string(), z.number().int()),
      commandsSent: z.number().int(),
      acks: z.number().int(),
      brokerClients: z.number().int().nullable(),
    })
    .nullable()
    .describe('this process’s counters since start (administrators only)'),
});

export type ListDevicesQuery = z.infer<typeof listDevicesQuery>;
export type CreateDeviceBody = z.infer<typeof createDeviceBody>;
export type UpdateDeviceBody = z.infer<typeof updateDeviceBody>;
export type DeviceView = z.infer<typeof deviceView>;
export type DeviceDetail = z.infer<typeof deviceDetail>;
export type DeviceCredentials = z.infer<typeof deviceCredentials>;
export type DeviceStats = z.infer<typeof deviceStats>;

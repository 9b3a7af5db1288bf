/**
 * The device topic tree and its access rule, in one place: the embedded broker enforces it, the
 * platform subscribes by it, and docs/devices.md documents it (with the equivalent Mosquitto ACL).
 *
 *   <prefix>/devices/<deviceId>/cmd        platform → device (QoS 1, never retained)
 *   <prefix>/devices/<deviceId>/status     device → platform (QoS 1, retained; the last will says offline)
 *   <prefix>/devices/<deviceId>/ack        device → platform (QoS 1)
 *   <prefix>/devices/<deviceId>/heartbeat  device → platform (QoS 0)
 *   <prefix>/meters/<meterId>/readings     water meter → platform (QoS 1, never retained; docs/water.md)
 *
 * A water meter connects like a device, with its meter id as username and client id (the water
 * module checks its secret through the devices service's credential sources).
 */
export const deviceChannels = ['status', 'ack', 'heartbeat'] as const;
export type DeviceChannel = (typeof deviceChannels)[number];
export type DeviceTopicKind = DeviceChannel | 'cmd';

/** Device ids double as MQTT usernames and client ids: lower-case letters, digits, '-' and '_'. */
export const DEVICE_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{2,63}$/;

export const isDeviceId = (id: string) => DEVICE_ID_PATTERN.test(id);

export class DeviceTopics {
  constructor(readonly prefix: string) {
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(prefix)) throw new Error(`invalid MQTT topic prefix ${JSON.stringify(prefix)}`);
  }

  of(deviceId: string, kind: DeviceTopicKind): string {
    return `${this.prefix}/devices/${deviceId}/${kind}`;
  }

  all(deviceId: string): Record<DeviceTopicKind, string> {
    return { cmd: this.of(deviceId, 'cmd'), status: this.of(deviceId, 'status'), ack: this.of(deviceId, 'ack'), heartbeat: this.of(deviceId, 'heartbeat') };
  }

  /** Where a water meter publishes its readings. */
  meterReadings(meterId: string): string {
    return `${this.prefix}/meters/${meterId}/readings`;
  }

  /** The filter the platform subscribes to for every meter's readings. */
  everyMeter(): string {
    return `${this.prefix}/meters/+/readings`;
  }

  /** The meter id of a concrete readings topic, or undefined for anything else. */
  parseMeter(topic: string): string | undefined {
    const parts = topic.split('/');
    if (parts.length !== 4 || parts[0] !== this.prefix || parts[1] !== 'meters' || parts[3] !== 'readings') return undefined;
    return isDeviceId(parts[2]!) ? parts[2] : undefined;
  }

  /** The filter the platform subscribes to for one channel of every device. */
  everyDevice(channel: DeviceChannel): string {
    return `${this.prefix}/devices/+/${channel}`;
  }

  /** `{ deviceId, kind }` of a concrete topic in the tree, or undefined for anything else. */
  parse(topic: string): { deviceId: string; kind: DeviceTopicKind } | undefined {
    const parts = topic.split('/');
    if (parts.length !== 4 || parts[0] !== this.prefix || parts[1] !== 'devices') return undefined;
    const [, , deviceId, kind] = parts as [string, string, string, string];
    if (!isDeviceId(deviceId)) return undefined;
    if (kind !== 'cmd' && !(deviceChannels as readonly string[]).includes(kind)) return undefined;
    return { deviceId, kind: kind as DeviceTopicKind };
  }

  /**
   * May this device publish here? Only on its own status, ack and heartbeat topics, and only
   * status may be retained (the broker keeps the last one for whoever subscribes next); a water
   * meter on its own readings topic, never retained.
   */
  devicePublishAllowed(deviceId: string, topic: string, retain: boolean): boolean {
    if (this.parseMeter(topic) === deviceId) return !retain;
    const parsed = this.parse(topic);
    if (!parsed || parsed.deviceId !== deviceId || parsed.kind === 'cmd') return false;
    return !retain || parsed.kind === 'status';
  }

  /** May this device subscribe to this filter? Only to its own command topic, without wildcards. */
  deviceSubscribeAllowed(deviceId: string, filter: string): boolean {
    return filter === this.of(deviceId, 'cmd');
  }
}

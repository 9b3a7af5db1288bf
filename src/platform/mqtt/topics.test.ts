import { describe, expect, it } from 'vitest';
import { DeviceTopics, isDeviceId } from './topics.js';

const topics = new DeviceTopics('shuxiang');

describe('device topics', () => {
  it('name and parse the four topics of a device', () => {
    expect(topics.all('spk-130631202206-01')).toEqual({
      cmd: 'shuxiang/devices/spk-130631202206-01/cmd',
      status: 'shuxiang/devices/spk-130631202206-01/status',
      ack: 'shuxiang/devices/spk-130631202206-01/ack',
      heartbeat: 'shuxiang/devices/spk-130631202206-01/heartbeat',
    });
    expect(topics.parse('shuxiang/devices/spk-1/ack')).toEqual({ deviceId: 'spk-1', kind: 'ack' });
    for (const other of ['shuxiang/devices/spk-1', 'other/devices/spk-1/ack', 'shuxiang/devices/SPK/ack', 'shuxiang/devices/spk-1/ack/x', 'shuxiang/devices/spk-1/log']) {
      expect(topics.parse(other)).toBeUndefined();
    }
  });

  it('let a device publish only on its own status, ack and heartbeat, retaining only status', () => {
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-1/status', true)).toBe(true);
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-1/ack', false)).toBe(true);
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-1/heartbeat', false)).toBe(true);
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-1/ack', true)).toBe(false);
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-1/cmd', false)).toBe(false);
    expect(topics.devicePublishAllowed('spk-1', 'shuxiang/devices/spk-2/status', false)).toBe(false);
    expect(topics.devicePublishAllowed('spk-1', 'elsewhere', false)).toBe(false);
  });

  it('let a device subscribe only to its own commands, without wildcards', () => {
    expect(topics.deviceSubscribeAllowed('spk-1', 'shuxiang/devices/spk-1/cmd')).toBe(true);
    for (const filter of ['shuxiang/devices/spk-2/cmd', 'shuxiang/devices/+/cmd', 'shuxiang/#', '#', 'shuxiang/devices/spk-1/status', '$SYS/#']) {
      expect(topics.deviceSubscribeAllowed('spk-1', filter)).toBe(false);
    }
  });

  it('let a water meter publish its readings on its own topic only, never retained (docs/water.md)', () => {
    expect(topics.meterReadings('wm-1')).toBe('shuxiang/meters/wm-1/readings');
    expect(topics.everyMeter()).toBe('shuxiang/meters/+/readings');
    expect(topics.parseMeter('shuxiang/meters/wm-1/readings')).toBe('wm-1');
    for (const other of ['shuxiang/meters/wm-1/status', 'other/meters/wm-1/readings', 'shuxiang/meters/WM!/readings', 'shuxiang/meters/wm-1/readings/x']) expect(topics.parseMeter(other)).toBeUndefined();
    expect(topics.devicePublishAllowed('wm-1', 'shuxiang/meters/wm-1/readings', false)).toBe(true);
    expect(topics.devicePublishAllowed('wm-1', 'shuxiang/meters/wm-1/readings', true)).toBe(false);
    expect(topics.devicePublishAllowed('wm-1', 'shuxiang/meters/wm-2/readings', false)).toBe(false);
  });

  it('accept only ids that are safe as usernames, client ids and topic levels', () => {
    expect(isDeviceId('spk-130631202206-01')).toBe(true);
    for (const bad of ['ab', 'Spk-1', 'spk/1', 'spk+1', 'spk#1', '-spk', 'spk 1', 'a'.repeat(65)]) expect(isDeviceId(bad)).toBe(false);
    expect(() => new DeviceTopics('a/b')).toThrow();
  });
});

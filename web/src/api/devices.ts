import type { z } from 'zod';
import type { deviceDetail, devicePage, deviceStats, deviceView, listDevicesQuery, updateDeviceBody } from '@server/modules/devices/devices.schema';
import { http, type QueryOf } from '@/shared/http';

/** Devices (the loudspeaker pillars of 云广播): types are the server's zod schemas. */
export type Device = z.infer<typeof deviceView>;
export type DeviceDetail = z.infer<typeof deviceDetail>;
export type DevicePage = z.infer<typeof devicePage>;
export type DeviceStats = z.infer<typeof deviceStats>;
/** `online` is sent as the strings 'true' / 'false'. */
export type ListDevicesQuery = QueryOf<Omit<z.input<typeof listDevicesQuery>, 'online'>> & { online?: 'true' | 'false' };
export type UpdateDeviceBody = z.input<typeof updateDeviceBody>;

const id = (value: string) => encodeURIComponent(value);

export const devicesApi = {
  list: (query: ListDevicesQuery = {}, silent = false) => http.get<DevicePage>('/api/devices', { ...query }, { silent }),
  stats: (silent = false) => http.get<DeviceStats>('/api/devices/stats', undefined, { silent }),
  get: (deviceId: string) => http.get<DeviceDetail>(`/api/devices/${id(deviceId)}`),
  update: (deviceId: string, body: UpdateDeviceBody) => http.patch<DeviceDetail>(`/api/devices/${id(deviceId)}`, body),
};

/** Every device matching the query, following pages, up to `max` (a township has a few dozen speakers). */
export async function allDevices(query: Omit<ListDevicesQuery, 'page' | 'pageSize'> = {}, max = 1000): Promise<{ items: Device[]; total: number }> {
  const items: Device[] = [];
  for (let page = 1; ; page++) {
    const res = await devicesApi.list({ ...query, page, pageSize: 200 }, true);
    items.push(...res.items);
    if (items.length >= res.total || res.items.length === 0 || items.length >= max) return { items, total: res.total };
  }
}

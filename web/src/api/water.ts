import type { z } from 'zod';
import type {
  alertDetail,
  alertPage,
  alertView,
  createMeterBody,
  csvImportResult,
  ingestResult,
  listAlertsQuery,
  listMetersQuery,
  meterCredentials,
  meterDetail,
  meterKinds,
  meterPage,
  meterView,
  updateMeterBody,
  usageQuery,
  usageSeries,
  waterAlertTypes,
  waterSettingsView,
  waterStats,
} from '@server/modules/water/water.schema';
import { ApiError, CLIENT_HEADERS, http, type QueryOf } from '@/shared/http';

/** 用水预警 (water meters, readings, alerts): types are the server's zod schemas (src/modules/water/water.schema.ts). */
export type Meter = z.infer<typeof meterView>;
export type MeterDetail = z.infer<typeof meterDetail>;
export type MeterPage = z.infer<typeof meterPage>;
export type MeterKind = (typeof meterKinds)[number];
export type CreateMeterBody = z.input<typeof createMeterBody>;
export type UpdateMeterBody = z.input<typeof updateMeterBody>;
export type MeterCredentials = z.infer<typeof meterCredentials>;
export type MeterCreated = { meter: MeterDetail; secret: string | null; broker: MeterCredentials['broker'] | null };
/** `alerting` is sent as the strings 'true' / 'false'. */
export type ListMetersQuery = QueryOf<Omit<z.input<typeof listMetersQuery>, 'alerting'>> & { alerting?: 'true' | 'false' };

export type WaterAlert = z.infer<typeof alertView>;
export type WaterAlertDetail = z.infer<typeof alertDetail>;
export type WaterAlertPage = z.infer<typeof alertPage>;
export type WaterAlertType = (typeof waterAlertTypes)[number];
export type WaterSms = WaterAlert['sms'];
export type ListWaterAlertsQuery = QueryOf<z.input<typeof listAlertsQuery>>;

export type UsageSeries = z.infer<typeof usageSeries>;
export type UsageQuery = QueryOf<z.input<typeof usageQuery>>;
export type IngestResult = z.infer<typeof ingestResult>;
export type CsvImportResult = z.infer<typeof csvImportResult>;
export type WaterStats = z.infer<typeof waterStats>;
export type WaterSettings = z.infer<typeof waterSettingsView>;

export const waterAlertTypeList: WaterAlertType[] = ['leak', 'burst', 'spike', 'zero', 'fault'];
export const meterKindList: MeterKind[] = ['household', 'shared', 'village_main'];

const id = (value: string) => encodeURIComponent(value);

export const waterApi = {
  meters: (query: ListMetersQuery = {}, silent = false) => http.get<MeterPage>('/api/water/meters', { ...query }, { silent }),
  meter: (meterId: string, silent = false) => http.get<MeterDetail>(`/api/water/meters/${id(meterId)}`, undefined, { silent }),
  /** 201 with the meter and, when `mqtt`, its secret (shown once). */
  createMeter: (body: CreateMeterBody) => http.post<MeterCreated>('/api/water/meters', body),
  updateMeter: (meterId: string, body: UpdateMeterBody) => http.patch<MeterDetail>(`/api/water/meters/${id(meterId)}`, body),
  deleteMeter: (meterId: string) => http.delete<void>(`/api/water/meters/${id(meterId)}`),
  rotateSecret: (meterId: string) => http.post<MeterCredentials>(`/api/water/meters/${id(meterId)}/rotate-secret`, {}),
  usage: (meterId: string, query: UsageQuery = {}, silent = false) => http.get<UsageSeries>(`/api/water/meters/${id(meterId)}/usage`, { ...query }, { silent }),
  /** A CSV `timestamp,reading_litres` (local times without an offset), sent as text/csv; errors are thrown, not toasted. */
  importCsv: async (meterId: string, csv: string): Promise<CsvImportResult> => {
    const response = await fetch(`/api/water/meters/${id(meterId)}/readings/csv`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'text/csv', ...CLIENT_HEADERS },
      body: csv,
    });
    const body: unknown = await response.json().catch(() => undefined);
    if (!response.ok) {
      throw new ApiError(response.status, body && typeof body === 'object' && 'code' in body ? (body as ApiError['body']) : { code: `HTTP_${response.status}`, message: `HTTP ${response.status}`, messageEn: `HTTP ${response.status}` });
    }
    return body as CsvImportResult;
  },

  alerts: (query: ListWaterAlertsQuery = {}, silent = false) => http.get<WaterAlertPage>('/api/water/alerts', { ...query }, { silent }),
  alert: (alertId: string) => http.get<WaterAlertDetail>(`/api/water/alerts/${id(alertId)}`),
  acknowledge: (alertId: string, note?: string) => http.post<WaterAlert>(`/api/water/alerts/${id(alertId)}/acknowledge`, note ? { note } : {}),

  stats: (village?: string, silent = true) => http.get<WaterStats>('/api/water/stats', { village }, { silent }),
  settings: (regionCode: string) => http.get<WaterSettings>(`/api/water/settings/${id(regionCode)}`),
};

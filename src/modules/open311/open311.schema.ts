import { z } from 'zod';
import { regionCode } from '../regions/regions.schema.js';

/**
 * Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2). Parameter names and response
 * shapes are the standard's. Query values arrive as strings; form posts too.
 */

const csv = z
  .string()
  .max(4000)
  .transform((value) => value.split(',').map((part) => part.trim()).filter(Boolean));

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

export const requestsQuery = z.strictObject({
  service_request_id: csv.optional(),
  service_code: csv.optional(),
  start_date: isoDate.optional(),
  end_date: isoDate.optional(),
  status: csv.pipe(z.array(z.enum(['open', 'closed'])).max(2)).optional(),
  jurisdiction_id: z.string().max(100).optional(),
  api_key: z.string().max(200).optional(),
});

const coordinate = (min: number, max: number) =>
  z.union([z.number(), z.string().trim().regex(/^-?\d+(\.\d+)?$/, '须为数字 / must be a number').transform(Number)]).pipe(z.number().min(min).max(max));

export const postRequestBody = z.strictObject({
  api_key: z.string().min(10).max(200),
  service_code: z.string().min(1).max(40),
  lat: coordinate(-90, 90).optional(),
  long: coordinate(-180, 180).optional(),
  address_string: z.string().trim().max(200).optional(),
  address_id: z.string().max(100).optional(),
  description: z.string().trim().min(1).max(2000),
  first_name: z.string().trim().max(50).optional(),
  last_name: z.string().trim().max(50).optional(),
  phone: z.string().trim().max(30).optional(),
  email: z.string().trim().max(100).optional(),
  device_id: z.string().max(100).optional(),
  account_id: z.string().max(100).optional(),
  media_url: z.string().max(1000).optional(),
  jurisdiction_id: z.string().max(100).optional(),
  // Extension: a client-chosen UUID that makes a retried POST return the same request.
  request_id: z.uuid().optional(),
});

export const serviceCodeParams = z.strictObject({ service_code: z.string().min(1).max(40) });
export const requestIdParams = z.strictObject({ id: z.uuid() });

export const service = z.object({
  service_code: z.string(),
  service_name: z.string(),
  description: z.string(),
  metadata: z.boolean(),
  type: z.literal('realtime'),
  keywords: z.string(),
  group: z.string(),
});

export const serviceRequest = z.object({
  service_request_id: z.string(),
  status: z.enum(['open', 'closed']),
  status_notes: z.string().nullable(),
  service_name: z.string(),
  service_code: z.string(),
  description: z.string(),
  agency_responsible: z.string().nullable(),
  service_notice: z.string().nullable(),
  requested_datetime: z.string(),
  updated_datetime: z.string(),
  expected_datetime: z.string().nullable(),
  address: z.string().nullable(),
  address_id: z.string().nullable(),
  zipcode: z.string().nullable(),
  lat: z.number().nullable(),
  long: z.number().nullable(),
  media_url: z.string().nullable(),
});

export const open311Error = z.array(z.object({ code: z.number(), description: z.string() }));

// ---- API keys (issued in the console) ----------------------------------------------------------

export const createKeyBody = z.strictObject({ name: z.string().trim().min(1).max(100), regionCode });
export const keyView = z.object({
  id: z.string(),
  name: z.string(),
  regionCode: z.string(),
  createdAt: z.string(),
  revoked: z.boolean(),
});
export const createdKey = keyView.extend({ key: z.string().describe('shown once') });
export const keyIdParams = z.strictObject({ id: z.uuid() });

export type PostRequestBody = z.infer<typeof postRequestBody>;
export type RequestsQuery = z.infer<typeof requestsQuery>;

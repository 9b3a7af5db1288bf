import { z } from 'zod';

export const photoKinds = ['report', 'resolution', 'claim', 'meeting'] as const;
/** `report`: the villager's photos of a problem; `resolution`: the grid worker's after-photos; `claim`: evidence for a points claim; `meeting`: photos of a party meeting. */
export const photoKind = z.enum(photoKinds);

/** Most photos one upload, and one case report or resolution, may carry. */
export const MAX_PHOTOS = 9;

/** For other modules' request bodies: the ids returned by `POST /api/photos`. */
export const photoIds = z.array(z.uuid()).max(MAX_PHOTOS);

export const photoExif = z
  .object({
    lat: z.number().nullable(),
    lon: z.number().nullable(),
    takenAt: z.string().nullable().describe('DateTimeOriginal as UTC ISO time (read as China time when the photo names no offset)'),
  })
  .describe('What the camera recorded, read before the metadata was removed; null when it recorded none');

export const photoView = z.object({
  id: z.uuid(),
  kind: photoKind.nullable().describe('null until attached to a case or a points claim'),
  width: z.number().int(),
  height: z.number().int(),
  bytes: z.number().int(),
  contentType: z.string(),
  url: z.string().describe('signed, expiring URL of the photo (longest side ≤ 2560 px, no metadata)'),
  thumbUrl: z.string().describe('signed, expiring URL of a thumbnail (longest side ≤ 320 px)'),
  urlsExpireAt: z.string(),
  exif: photoExif.nullable(),
  createdAt: z.string(),
});

export const uploadResult = z.object({ items: z.array(photoView) });

export const photoParams = z.strictObject({ id: z.uuid() });

/** Missing or malformed values are a bad signature (403), not a validation error. */
export const signedQuery = z.strictObject({
  exp: z.string().max(20).optional(),
  sig: z.string().max(100).optional(),
});

export type PhotoKind = z.infer<typeof photoKind>;
export type PhotoView = z.infer<typeof photoView>;
export type PhotoExif = z.infer<typeof photoExif>;

import { z } from 'zod';

/** Most files per upload, and per notice or visit. */
export const MAX_FILES = 9;

export const fileIds = z.array(z.uuid()).max(MAX_FILES);

export const villageFileView = z.object({
  id: z.uuid(),
  kind: z.enum(['image', 'document']).describe('image: re-encoded JPEG with a thumbnail; document: PDF, Word or Excel as sent'),
  filename: z.string(),
  contentType: z.string(),
  bytes: z.number().int(),
  width: z.number().int().nullable(),
  height: z.number().int().nullable(),
  url: z.string().describe('signed, expiring URL (1 h)'),
  thumbUrl: z.string().nullable().describe('images only'),
  createdAt: z.string(),
});

export const uploadFilesResult = z.object({ items: z.array(villageFileView) });
export const fileParams = z.strictObject({ id: z.uuid() });
export const signedFileQuery = z.strictObject({ exp: z.string().max(20).optional(), sig: z.string().max(100).optional() });

export type VillageFileView = z.infer<typeof villageFileView>;

import { reactive } from 'vue';
import { uploadPhotos } from '@/api/cases';
import { ApiError, errorText } from './http';
import { compressImage } from './images';

/**
 * A photo picked on the phone. It is uploaded as soon as it is picked (while the reporter goes on
 * typing), as the original so the server can read where it was taken; only photos near the
 * server's size limit are scaled down first (which drops their GPS tag).
 */
export interface PickedPhoto {
  key: string;
  file: Blob;
  url: string;
  status: 'waiting' | 'uploading' | 'done' | 'failed';
  id?: string;
  /** Where the camera says it was taken (from the server's reading of the original). */
  exif?: { lat: number; lon: number } | null;
  error?: string;
}

const SCALE_ABOVE_BYTES = 8 * 1024 * 1024;
let seq = 0;

export async function pickPhoto(file: File): Promise<PickedPhoto> {
  const body = file.size > SCALE_ABOVE_BYTES ? await compressImage(file, 2560, 0.85) : file;
  return reactive({ key: `p${++seq}`, file: body, url: URL.createObjectURL(body), status: 'waiting' }) as PickedPhoto;
}

/** Uploads one photo unless it already is; never throws (the photo's status says how it went). */
export async function uploadPhoto(photo: PickedPhoto): Promise<void> {
  if (photo.status === 'done' || photo.status === 'uploading') return;
  photo.status = 'uploading';
  photo.error = undefined;
  try {
    const [view] = await uploadPhotos([photo.file], true);
    if (!view) throw new Error('no photo in the answer');
    photo.id = view.id;
    photo.exif = view.exif && view.exif.lat !== null && view.exif.lon !== null ? { lat: view.exif.lat, lon: view.exif.lon } : null;
    photo.status = 'done';
  } catch (error) {
    photo.status = 'failed';
    photo.error = error instanceof ApiError && !error.isNetwork ? errorText(error) : undefined;
  }
}

/** Uploads every photo not yet uploaded; resolves with the ids, or throws the first failure's cause. */
export async function uploadAll(photos: PickedPhoto[]): Promise<string[]> {
  await Promise.all(photos.filter((p) => p.status !== 'done').map((p) => uploadPhoto(p)));
  const refused = photos.find((p) => p.status === 'failed' && p.error);
  if (refused) throw new PhotoRefused(refused.error!);
  if (photos.some((p) => p.status !== 'done')) throw new ApiError(0, { code: 'NETWORK_ERROR', message: '', messageEn: '' });
  return photos.map((p) => p.id!);
}

export class PhotoRefused extends Error {}

export function releasePhotos(photos: PickedPhoto[]): void {
  for (const p of photos) URL.revokeObjectURL(p.url);
}

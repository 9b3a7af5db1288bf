import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import type { NewPhotoRow, PhotoKind, PhotoRow } from '../../platform/db/schema.js';
import { AppError, type FieldProblem } from '../../platform/http/errors.js';
import { FileTooLarge, type IncomingFile } from '../../platform/http/multipart-files.js';
import type { Actor } from '../../platform/request-context.js';
import type { UrlSigner } from '../../platform/signing.js';
import { ImageRejected, type ProcessedImage, processImage } from './images.js';
import type { AttachCandidate, AttachTarget, PhotosRepository } from './photos.repository.js';
import { MAX_PHOTOS, type PhotoView } from './photos.schema.js';

export interface PhotosSettings {
  /** Largest accepted original, in bytes. */
  maxBytes: number;
  /** Most files in one upload. */
  maxFiles: number;
  /** How long signed URLs stay valid (they are re-issued with every read of a case). */
  urlTtlSeconds: number;
  /** Most photos one user may have uploaded and not yet attached within 24 hours (fills no disk). */
  maxUnattachedPerDay: number;
}

export const defaultPhotoSettings: PhotosSettings = {
  maxBytes: 10 * 1024 * 1024,
  maxFiles: MAX_PHOTOS,
  urlTtlSeconds: 3600,
  maxUnattachedPerDay: 200,
};

export type PhotoVariant = 'full' | 'thumb';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 24 * 3_600_000;

export const photoPath = (id: string, variant: PhotoVariant) => (variant === 'thumb' ? `/api/photos/${id}/thumb` : `/api/photos/${id}`);

/** A file name as it may appear in a message: printable, short. */
function displayName(filename: string, index: number): string {
  const clean = filename.replace(/[\p{C}"“”]/gu, '').trim().slice(0, 80);
  return clean || `#${index + 1}`;
}

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

function photoTooLarge(filename: string, index: number, maxBytes: number): AppError {
  const name = displayName(filename, index);
  const zh = `“${name}”超过 ${megabytes(maxBytes)}`;
  const en = `"${name}" is larger than ${megabytes(maxBytes)}`;
  return new AppError('PHOTO_TOO_LARGE', { detail: { zh, en }, details: [{ field: `photos.${index}`, message: zh, messageEn: en }] });
}

export function tooManyPhotos(maxFiles: number): AppError {
  return new AppError('TOO_MANY_PHOTOS', { detail: { zh: `一次最多 ${maxFiles} 张`, en: `at most ${maxFiles} per upload` } });
}

/** Whether an attached photo already belongs to this target (a repeated attach is a no-op). */
function attachedTo(row: AttachCandidate, target: AttachTarget): boolean {
  if ('caseId' in target) return row.case_id === target.caseId;
  if ('claimId' in target) return row.claim_id === target.claimId;
  return row.meeting_id === target.meetingId;
}

export class PhotosService {
  constructor(
    private readonly db: Db,
    private readonly repository: PhotosRepository,
    private readonly blobs: BlobStore,
    private readonly signer: UrlSigner,
    private readonly clock: Clock,
    readonly settings: PhotosSettings = defaultPhotoSettings,
  ) {}

  /**
   * Checks, cleans and stores the photos of one upload, all or none: nothing is stored until
   * every file has passed, and blobs written before a later failure are removed again.
   */
  async upload(actor: Actor, files: AsyncIterable<IncomingFile>): Promise<{ items: PhotoView[] }> {
    const since = new Date(this.clock.now().getTime() - DAY_MS);
    const pending = await this.repository.countUploadedSince(actor.userId, since);
    if (pending >= this.settings.maxUnattachedPerDay) throw new AppError('PHOTO_QUOTA_EXCEEDED');

    const accepted: ProcessedImage[] = [];
    for await (const file of files) {
      const index = accepted.length;
      if (index >= this.settings.maxFiles) throw tooManyPhotos(this.settings.maxFiles);
      const data = await file.read().catch((error: unknown) => {
        throw error instanceof FileTooLarge ? photoTooLarge(file.filename, index, this.settings.maxBytes) : error;
      });
      if (data.length > this.settings.maxBytes) throw photoTooLarge(file.filename, index, this.settings.maxBytes);
      accepted.push(await this.clean(data, file.filename, index));
    }
    if (accepted.length === 0) {
      throw new AppError('VALIDATION_FAILED', {
        details: [{ field: 'body.photos', message: '请至少选择一张照片（字段名 photos）', messageEn: 'attach at least one image in the field "photos"' }],
      });
    }
    if (pending + accepted.length > this.settings.maxUnattachedPerDay) throw new AppError('PHOTO_QUOTA_EXCEEDED');

    const rows = await this.store(actor, accepted);
    return { items: rows.map((row) => this.toView(row)) };
  }

  private async clean(data: Buffer, filename: string, index: number): Promise<ProcessedImage> {
    try {
      return await processImage(data);
    } catch (error) {
      if (!(error instanceof ImageRejected)) throw error;
      const name = displayName(filename, index);
      const field = `photos.${index}`;
      if (error.problem === 'unsupported') {
        const zh = `“${name}”不是 JPEG、PNG 或 WebP 图片`;
        const en = `"${name}" is not a JPEG, PNG or WebP image`;
        throw new AppError('UNSUPPORTED_IMAGE', { detail: { zh, en }, details: [{ field, message: zh, messageEn: en }] });
      }
      if (error.problem === 'too_many_pixels') {
        const zh = `“${name}”像素过多（${error.message}）`;
        const en = `"${name}" has too many pixels (${error.message})`;
        throw new AppError('PHOTO_TOO_LARGE', { detail: { zh, en }, details: [{ field, message: zh, messageEn: en }] });
      }
      const zh = `“${name}”已损坏或不完整`;
      const en = `"${name}" is damaged or incomplete`;
      throw new AppError('INVALID_IMAGE', { detail: { zh, en }, details: [{ field, message: zh, messageEn: en }] });
    }
  }

  private async store(actor: Actor, images: ProcessedImage[]): Promise<PhotoRow[]> {
    const now = this.clock.now();
    const folder = `photos/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const rows: NewPhotoRow[] = images.map((image) => {
      const id = randomUUID();
      return {
        id,
        owner_id: actor.userId,
        region_path: actor.scope.path,
        content_type: image.contentType,
        bytes: image.main.data.length,
        width: image.main.width,
        height: image.main.height,
        blob_key: `${folder}/${id}.jpg`,
        thumb_key: `${folder}/${id}.thumb.jpg`,
        exif_lat: image.exif?.lat ?? null,
        exif_lon: image.exif?.lon ?? null,
        exif_taken_at: image.exif?.takenAt ?? null,
        created_at: now,
      };
    });
    const written: string[] = [];
    try {
      for (const [i, row] of rows.entries()) {
        const image = images[i]!;
        await this.blobs.put(row.blob_key, image.main.data, image.contentType);
        written.push(row.blob_key);
        await this.blobs.put(row.thumb_key, image.thumb.data, image.contentType);
        written.push(row.thumb_key);
      }
      return await this.repository.insertMany(rows);
    } catch (error) {
      await Promise.allSettled(written.map((key) => this.blobs.delete(key)));
      throw error;
    }
  }

  /** The bytes behind a signed URL. The signature is the permission: it was issued to someone allowed to see the photo. */
  async read(id: string, variant: PhotoVariant, exp: string | undefined, sig: string | undefined) {
    const check = this.signer.verify(photoPath(id, variant), exp, sig);
    if (check === 'invalid') throw new AppError('SIGNED_URL_INVALID');
    if (check === 'expired') throw new AppError('SIGNED_URL_EXPIRED');
    const row = await this.repository.findById(id);
    if (!row) throw new AppError('PHOTO_NOT_FOUND');
    const blob = await this.blobs.get(variant === 'thumb' ? row.thumb_key : row.blob_key);
    if (!blob) throw new AppError('PHOTO_NOT_FOUND');
    return { body: blob.body, contentType: row.content_type, maxAgeSeconds: Math.min(this.signer.secondsLeft(exp!), 86_400) };
  }

  /**
   * For the cases module, inside its transaction: ties the uploader's photos to a case as its
   * report or resolution photos. Repeating the same call (a retried request) changes nothing.
   * Throws PHOTO_NOT_ATTACHABLE listing each photo that is unknown, someone else's, or already
   * attached elsewhere; `field` names the request field in those details (default `photoIds`).
   */
  async attach(tx: Db, input: { photoIds: string[]; ownerId: string; caseId: string; kind: 'report' | 'resolution'; field?: string }): Promise<void> {
    await this.attachTo(tx, input, { caseId: input.caseId, kind: input.kind });
  }

  /** For the points module: the claimant's photos become the evidence of a claim, like `attach`. */
  async attachToClaim(tx: Db, input: { photoIds: string[]; ownerId: string; claimId: string; field?: string }): Promise<void> {
    await this.attachTo(tx, input, { claimId: input.claimId, kind: 'claim' });
  }

  /** For the party module: the recorder's photos become the photos of a meeting, like `attach`. */
  async attachToMeeting(tx: Db, input: { photoIds: string[]; ownerId: string; meetingId: string; field?: string }): Promise<void> {
    await this.attachTo(tx, input, { meetingId: input.meetingId, kind: 'meeting' });
  }

  private async attachTo(tx: Db, input: { photoIds: string[]; ownerId: string; field?: string }, target: AttachTarget): Promise<void> {
    const field = input.field ?? 'photoIds';
    if (input.photoIds.length > this.settings.maxFiles) {
      throw new AppError('VALIDATION_FAILED', {
        details: [{ field, message: `最多 ${this.settings.maxFiles} 张照片`, messageEn: `at most ${this.settings.maxFiles} photos` }],
      });
    }
    const ids = [...new Set(input.photoIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase()))];
    const found = new Map((await this.repository.lockForAttach(tx, ids)).map((row) => [row.id, row]));
    const problems: FieldProblem[] = [];
    const free: string[] = [];
    input.photoIds.forEach((rawId, i) => {
      const id = rawId.toLowerCase();
      const row = UUID.test(id) ? found.get(id) : undefined;
      if (!row || row.owner_id !== input.ownerId) {
        problems.push({ field: `${field}.${i}`, message: '照片不存在或不是您上传的', messageEn: 'no such photo of yours' });
      } else if (row.kind === null) {
        if (!free.includes(id)) free.push(id);
      } else if (row.kind !== target.kind || !attachedTo(row, target)) {
        problems.push({ field: `${field}.${i}`, message: '照片已用于其他事件', messageEn: 'the photo is already attached elsewhere' });
      }
    });
    if (problems.length > 0) throw new AppError('PHOTO_NOT_ATTACHABLE', { details: problems });
    await this.repository.attach(tx, free, target, this.clock.now());
  }

  /** A meeting's photos with fresh signed URLs. The caller has already checked the meeting is visible. */
  async listForMeeting(meetingId: string): Promise<PhotoView[]> {
    return (await this.repository.listForMeeting(meetingId)).map((row) => this.toView(row));
  }

  /** A claim's evidence with fresh signed URLs. The caller has already checked the claim is visible. */
  async listForClaim(claimId: string): Promise<PhotoView[]> {
    return (await this.repository.listForClaim(claimId)).map((row) => this.toView(row));
  }

  /** The case's photos with fresh signed URLs. The caller has already checked the case is visible. */
  async listForCase(caseId: string, kind?: PhotoKind): Promise<PhotoView[]> {
    return (await this.repository.listForCase(caseId, kind)).map((row) => this.toView(row));
  }

  urlsFor(photo: Pick<PhotoRow, 'id'>): { url: string; thumbUrl: string; urlsExpireAt: string } {
    const full = this.signer.sign(photoPath(photo.id, 'full'), this.settings.urlTtlSeconds);
    const thumb = this.signer.sign(photoPath(photo.id, 'thumb'), this.settings.urlTtlSeconds);
    return { url: full.url, thumbUrl: thumb.url, urlsExpireAt: full.expiresAt.toISOString() };
  }

  toView(row: PhotoRow): PhotoView {
    const hasExif = row.exif_lat !== null || row.exif_lon !== null || row.exif_taken_at !== null;
    return {
      id: row.id,
      kind: row.kind,
      width: row.width,
      height: row.height,
      bytes: row.bytes,
      contentType: row.content_type,
      ...this.urlsFor(row),
      exif: hasExif ? { lat: row.exif_lat, lon: row.exif_lon, takenAt: row.exif_taken_at?.toISOString() ?? null } : null,
      createdAt: row.created_at.toISOString(),
    };
  }

  /**
   * Removes photos uploaded before `olderThan` and never attached (a report abandoned half-way),
   * with their files. A file that cannot be removed is counted, not retried: it is unreachable.
   */
  async purgeUnattached(olderThan: Date): Promise<{ deleted: number; blobErrors: number }> {
    let deleted = 0;
    let blobErrors = 0;
    for (;;) {
      const batch = await this.repository.deleteUnattachedBefore(olderThan, 500);
      const results = await Promise.allSettled(batch.flatMap((row) => [this.blobs.delete(row.blob_key), this.blobs.delete(row.thumb_key)]));
      deleted += batch.length;
      blobErrors += results.filter((r) => r.status === 'rejected').length;
      if (batch.length < 500) return { deleted, blobErrors };
    }
  }
  /** Where the first of these photos of the owner was taken, from its EXIF GPS; null when none says. */
  async exifLocation(photoIds: string[], ownerId: string): Promise<{ lon: number; lat: number } | null> {
    const ids = photoIds.filter((id) => UUID.test(id)).map((id) => id.toLowerCase());
    const located = (await this.repository.exifPositions(ids, ownerId)).find((row) => row.exif_lat !== null && row.exif_lon !== null);
    return located ? { lon: located.exif_lon!, lat: located.exif_lat! } : null;
  }
}

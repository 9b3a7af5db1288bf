import { randomUUID } from 'node:crypto';
import type { BlobStore } from '../../platform/blobs/blob-store.js';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError, type FieldProblem } from '../../platform/http/errors.js';
import { FileTooLarge, type IncomingFile } from '../../platform/http/multipart-files.js';
import type { Actor } from '../../platform/request-context.js';
import type { UrlSigner } from '../../platform/signing.js';
import { can } from '../accounts/policies.js';
import { ImageRejected, processImage, sniffImageFormat } from '../photos/images.js';
import { type FileTarget, type FileTargetKind, targetColumn, type VillageFileRow, type VillageFilesRepository } from './village-files.repository.js';
import { MAX_FILES, type VillageFileView } from './village-files.schema.js';

export interface VillageFilesSettings {
  maxBytes: number;
  maxFiles: number;
  urlTtlSeconds: number;
  /** Most files one person may hold uploaded and not yet attached within 24 hours. */
  maxUnattachedPerDay: number;
}

export const defaultVillageFilesSettings: VillageFilesSettings = { maxBytes: 10 * 1024 * 1024, maxFiles: MAX_FILES, urlTtlSeconds: 3600, maxUnattachedPerDay: 100 };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DAY_MS = 86_400_000;

/** Documents are recognised by their bytes, then told apart by the name's extension (docx and xlsx are both ZIP). */
const documentTypes: Record<string, { magic: 'pdf' | 'zip' | 'ole'; contentType: string }> = {
  pdf: { magic: 'pdf', contentType: 'application/pdf' },
  docx: { magic: 'zip', contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
  xlsx: { magic: 'zip', contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  doc: { magic: 'ole', contentType: 'application/msword' },
  xls: { magic: 'ole', contentType: 'application/vnd.ms-excel' },
};

function magicOf(data: Buffer): 'pdf' | 'zip' | 'ole' | undefined {
  if (data.length >= 5 && data.toString('latin1', 0, 5) === '%PDF-') return 'pdf';
  if (data.length >= 4 && data[0] === 0x50 && data[1] === 0x4b && data[2] === 0x03 && data[3] === 0x04) return 'zip';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]))) return 'ole';
  return undefined;
}

/** A file name fit to show and to put in a Content-Disposition header: printable, no paths, short. */
export function cleanFilename(filename: string, fallback: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\p{C}"“”<>|*?:]/gu, '').trim().slice(-120);
  return clean || fallback;
}

export const villageFilePath = (id: string, variant: 'full' | 'thumb') => (variant === 'thumb' ? `/api/village-files/${id}/thumb` : `/api/village-files/${id}`);

const megabytes = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MB`;

/**
 * The files of notices (村务公开 attachments and photos), care visits (photos) and party study
 * materials: uploaded first, checked by their bytes (images re-encoded upright without metadata,
 * like case photos; PDF, Word and Excel kept as sent), attached by the notice, visit or material in
 * its own transaction, served by signed URLs handed out only with what they belong to. Unattached
 * ones are purged after a day.
 */
export class VillageFilesService {
  constructor(
    private readonly deps: { repository: VillageFilesRepository; blobs: BlobStore; signer: UrlSigner; clock: Clock; settings: VillageFilesSettings },
  ) {}

  get settings(): VillageFilesSettings {
    return this.deps.settings;
  }

  /** Those who publish notices, visit the elderly or keep party study materials upload files. */
  requireUpload(actor: Actor): void {
    if (!can(actor.role, 'notices.publish') && !can(actor.role, 'elderly.care') && !can(actor.role, 'party.manage')) throw new AppError('FORBIDDEN');
  }

  async upload(actor: Actor, files: AsyncIterable<IncomingFile>): Promise<{ items: VillageFileView[] }> {
    this.requireUpload(actor);
    const since = new Date(this.deps.clock.now().getTime() - DAY_MS);
    const pending = await this.deps.repository.countUnattachedSince(actor.userId, since);
    if (pending >= this.settings.maxUnattachedPerDay) throw new AppError('FILE_QUOTA_EXCEEDED');
    const prepared: Prepared[] = [];
    for await (const file of files) {
      const index = prepared.length;
      if (index >= this.settings.maxFiles) throw tooManyFiles(this.settings.maxFiles);
      const data = await file.read().catch((error: unknown) => {
        throw error instanceof FileTooLarge ? this.tooLarge(file.filename, index) : error;
      });
      if (data.length > this.settings.maxBytes) throw this.tooLarge(file.filename, index);
      prepared.push(await prepare(data, file.filename, index));
    }
    if (prepared.length === 0) {
      throw new AppError('VALIDATION_FAILED', { details: [{ field: 'body.files', message: '请至少选择一个文件（字段名 files）', messageEn: 'attach at least one file in the field "files"' }] });
    }
    if (pending + prepared.length > this.settings.maxUnattachedPerDay) throw new AppError('FILE_QUOTA_EXCEEDED');
    const now = this.deps.clock.now();
    const folder = `village-files/${now.getUTCFullYear()}/${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
    const written: string[] = [];
    try {
      const rows = [];
      for (const file of prepared) {
        const id = randomUUID();
        // The blob store names content types by extension and knows images only: documents are
        // kept as opaque bytes; their type is the row's.
        const blobKey = file.kind === 'image' ? `${folder}/${id}.jpg` : `${folder}/${id}.bin`;
        const thumbKey = file.thumb ? `${folder}/${id}.thumb.jpg` : null;
        await this.deps.blobs.put(blobKey, file.data, file.kind === 'image' ? 'image/jpeg' : 'application/octet-stream');
        written.push(blobKey);
        if (thumbKey && file.thumb) {
          await this.deps.blobs.put(thumbKey, file.thumb, 'image/jpeg');
          written.push(thumbKey);
        }
        rows.push({
          id,
          owner_id: actor.userId,
          region_path: actor.scope.path,
          kind: file.kind,
          filename: file.filename,
          content_type: file.contentType,
          bytes: file.data.length,
          width: file.width,
          height: file.height,
          blob_key: blobKey,
          thumb_key: thumbKey,
          created_at: now,
        });
      }
      const stored = await this.deps.repository.insertMany(rows);
      return { items: stored.map((row) => this.toView(row)) };
    } catch (error) {
      await Promise.allSettled(written.map((key) => this.deps.blobs.delete(key)));
      throw error;
    }
  }

  /**
   * Inside the notice's or visit's transaction: its files become exactly `ids`, in that order. New
   * ones must be the uploader's own and unattached; files left out go back to unattached and are
   * purged. Repeating the call changes nothing. `documents: false` allows images only (visits).
   */
  async setFiles(tx: Db, input: { ids: string[]; ownerId: string; target: FileTarget; field?: string; documents?: boolean }): Promise<void> {
    const field = input.field ?? 'body.fileIds';
    const ids = [...new Set(input.ids.map((id) => id.toLowerCase()))].filter((id) => UUID.test(id));
    const found = new Map((await this.deps.repository.lock(tx, ids)).map((row) => [row.id, row]));
    const problems: FieldProblem[] = [];
    const fresh: string[] = [];
    ids.forEach((id, i) => {
      const row = found.get(id);
      const { column, id: targetId } = targetColumn(input.target);
      const mine = row && row[column] === targetId;
      if (row && mine) return;
      if (!row || row.owner_id !== input.ownerId || row.attached_at !== null) {
        problems.push({ field: `${field}.${i}`, message: '附件不存在、不是您上传的或已被使用', messageEn: 'no such unused file of yours' });
      } else if (input.documents === false && row.kind !== 'image') {
        problems.push({ field: `${field}.${i}`, message: '这里只能添加照片', messageEn: 'only photos can be added here' });
      } else {
        fresh.push(id);
      }
    });
    if (problems.length > 0) throw new AppError('FILES_NOT_ATTACHABLE', { details: problems });
    await this.deps.repository.detachOthers(tx, input.target, ids);
    await this.deps.repository.attach(tx, ids, input.target, this.deps.clock.now());
  }

  /** The files of these notices (visits, study materials) with fresh signed URLs; the caller checked they may be seen. */
  async listFor(target: FileTargetKind, ids: string[]): Promise<Map<string, VillageFileView[]>> {
    const rows = await this.deps.repository.listFor(target, ids);
    const byOwner = new Map<string, VillageFileView[]>();
    for (const row of rows) {
      const key = (target === 'notice' ? row.notice_id : target === 'visit' ? row.visit_id : row.material_id)!;
      byOwner.set(key, [...(byOwner.get(key) ?? []), this.toView(row)]);
    }
    return byOwner;
  }

  /** The bytes behind a signed URL (the signature is the permission). */
  async read(id: string, variant: 'full' | 'thumb', exp: string | undefined, sig: string | undefined) {
    const check = this.deps.signer.verify(villageFilePath(id, variant), exp, sig);
    if (check === 'invalid') throw new AppError('SIGNED_URL_INVALID');
    if (check === 'expired') throw new AppError('SIGNED_URL_EXPIRED');
    const row = await this.deps.repository.findById(id);
    const key = variant === 'thumb' ? row?.thumb_key : row?.blob_key;
    const blob = key ? await this.deps.blobs.get(key) : undefined;
    if (!row || !blob) throw new AppError('VILLAGE_FILE_NOT_FOUND');
    return {
      body: blob.body,
      contentType: variant === 'thumb' ? 'image/jpeg' : row.content_type,
      filename: row.filename,
      inline: row.kind === 'image' || row.content_type === 'application/pdf',
      maxAgeSeconds: Math.min(this.deps.signer.secondsLeft(exp!), 86_400),
    };
  }

  toView(row: VillageFileRow): VillageFileView {
    const full = this.deps.signer.sign(villageFilePath(row.id, 'full'), this.settings.urlTtlSeconds);
    return {
      id: row.id,
      kind: row.kind,
      filename: row.filename,
      contentType: row.content_type,
      bytes: row.bytes,
      width: row.width,
      height: row.height,
      url: full.url,
      thumbUrl: row.thumb_key ? this.deps.signer.sign(villageFilePath(row.id, 'thumb'), this.settings.urlTtlSeconds).url : null,
      createdAt: row.created_at.toISOString(),
    };
  }

  /** Removes files uploaded before `olderThan` and never attached (or detached since), with their blobs. */
  async purgeUnattached(olderThan: Date): Promise<{ deleted: number }> {
    let deleted = 0;
    for (;;) {
      const batch = await this.deps.repository.deleteUnattachedBefore(olderThan, 500);
      await Promise.allSettled(batch.flatMap((row) => [this.deps.blobs.delete(row.blob_key), ...(row.thumb_key ? [this.deps.blobs.delete(row.thumb_key)] : [])]));
      deleted += batch.length;
      if (batch.length < 500) return { deleted };
    }
  }

  private tooLarge(filename: string, index: number): AppError {
    const name = cleanFilename(filename, `#${index + 1}`);
    const zh = `“${name}”超过 ${megabytes(this.settings.maxBytes)}`;
    const en = `"${name}" is larger than ${megabytes(this.settings.maxBytes)}`;
    return new AppError('VILLAGE_FILE_TOO_LARGE', { detail: { zh, en }, details: [{ field: `files.${index}`, message: zh, messageEn: en }] });
  }
}

interface Prepared {
  kind: 'image' | 'document';
  filename: string;
  contentType: string;
  extension: string;
  data: Buffer;
  thumb: Buffer | null;
  width: number | null;
  height: number | null;
}

export function tooManyFiles(maxFiles: number): AppError {
  return new AppError('TOO_MANY_FILES', { detail: { zh: `一次最多 ${maxFiles} 个`, en: `at most ${maxFiles} per upload` } });
}

async function prepare(data: Buffer, rawName: string, index: number): Promise<Prepared> {
  const field = `files.${index}`;
  const shown = cleanFilename(rawName, `#${index + 1}`);
  if (sniffImageFormat(data)) {
    try {
      const image = await processImage(data);
      const filename = `${shown.replace(/\.[A-Za-z0-9]{1,5}$/, '')}.jpg`;
      return { kind: 'image', filename, contentType: 'image/jpeg', extension: 'jpg', data: image.main.data, thumb: image.thumb.data, width: image.main.width, height: image.main.height };
    } catch (error) {
      if (!(error instanceof ImageRejected)) throw error;
      const zh = `“${shown}”已损坏或无法读取`;
      const en = `"${shown}" is damaged or cannot be read`;
      throw new AppError('INVALID_IMAGE', { detail: { zh, en }, details: [{ field, message: zh, messageEn: en }] });
    }
  }
  const extension = /\.([A-Za-z0-9]{1,5})$/.exec(shown)?.[1]?.toLowerCase() ?? '';
  const magic = magicOf(data);
  const type = documentTypes[extension];
  const byMagic = Object.entries(documentTypes).find(([, t]) => t.magic === magic && magic === 'pdf');
  const chosen = type && type.magic === magic ? { extension, ...type } : byMagic ? { extension: byMagic[0], ...byMagic[1] } : undefined;
  if (!chosen) {
    const zh = `“${shown}”不是图片、PDF、Word 或 Excel 文件`;
    const en = `"${shown}" is not an image, PDF, Word or Excel file`;
    throw new AppError('UNSUPPORTED_FILE', { detail: { zh, en }, details: [{ field, message: zh, messageEn: en }] });
  }
  const filename = extension === chosen.extension ? shown : `${shown}.${chosen.extension}`;
  return { kind: 'document', filename, contentType: chosen.contentType, extension: chosen.extension, data, thumb: null, width: null, height: null };
}

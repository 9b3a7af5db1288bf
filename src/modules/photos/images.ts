import exifr from 'exifr';
import sharp, { type JpegOptions, type Metadata } from 'sharp';

/**
 * The image pipeline, free of HTTP and storage: recognise the format by its bytes, read what the
 * camera recorded (GPS, time taken), and re-encode an upright copy and a thumbnail without any
 * metadata, so a villager's home coordinates never leave the server inside a file.
 */
export type ImageFormat = 'jpeg' | 'png' | 'webp';

export const imageLimits = {
  longestSide: 2560,
  thumbSide: 320,
  quality: 85,
  thumbQuality: 75,
  /** Decoded size bound (a 10 MB PNG can hold a gigapixel of one colour); 200 MP covers 108 MP phones. */
  maxInputPixels: 200_000_000,
};

/** Times without an offset are the phone's local time; Shuxiang's phones are in China. */
const DEFAULT_EXIF_OFFSET_MINUTES = 8 * 60;

export type ImageProblem = 'unsupported' | 'invalid' | 'too_many_pixels';

export class ImageRejected extends Error {
  constructor(
    readonly problem: ImageProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ImageRejected';
  }
}

export interface CameraFacts {
  lat: number | null;
  lon: number | null;
  takenAt: Date | null;
}

export interface EncodedImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface ProcessedImage {
  source: ImageFormat;
  contentType: 'image/jpeg';
  main: EncodedImage;
  thumb: EncodedImage;
  exif: CameraFacts | null;
}

/** The format by magic bytes alone; the file name and the client's content type are not trusted. */
export function sniffImageFormat(data: Buffer): ImageFormat | undefined {
  if (data.length >= 3 && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (data.length >= 8 && data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (data.length >= 12 && data.toString('latin1', 0, 4) === 'RIFF' && data.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

export async function processImage(data: Buffer): Promise<ProcessedImage> {
  if (data.length === 0) throw new ImageRejected('invalid', 'the file is empty');
  const source = sniffImageFormat(data);
  if (!source) throw new ImageRejected('unsupported', 'not a JPEG, PNG or WebP image');

  let metadata: Metadata;
  try {
    metadata = await sharp(data).metadata();
  } catch {
    throw new ImageRejected('invalid', 'the image cannot be read');
  }
  if (metadata.format !== source || !metadata.width || !metadata.height) {
    throw new ImageRejected('invalid', 'the image cannot be read');
  }
  if (metadata.width * metadata.height > imageLimits.maxInputPixels) {
    throw new ImageRejected('too_many_pixels', `${metadata.width}×${metadata.height} pixels is more than ${imageLimits.maxInputPixels / 1e6} megapixels`);
  }
  const exif = metadata.exif ? await readCameraFacts(metadata.exif) : null;

  let main: EncodedImage;
  let thumb: EncodedImage;
  try {
    // Rotating by the EXIF orientation and encoding without withMetadata() drops every tag. The
    // thumbnail is made from the original too, so JPEG shrink-on-load keeps it cheap.
    const upright = sharp(data, { failOn: 'truncated', limitInputPixels: imageLimits.maxInputPixels }).autoOrient().flatten({ background: '#ffffff' });
    const encode = async (side: number, options: JpegOptions): Promise<EncodedImage> => {
      const { data: out, info } = await upright
        .clone()
        .resize({ width: side, height: side, fit: 'inside', withoutEnlargement: true })
        .jpeg(options)
        .toBuffer({ resolveWithObject: true });
      return { data: out, width: info.width, height: info.height };
    };
    [main, thumb] = await Promise.all([
      encode(imageLimits.longestSide, { quality: imageLimits.quality, progressive: true }),
      encode(imageLimits.thumbSide, { quality: imageLimits.thumbQuality }),
    ]);
  } catch {
    throw new ImageRejected('invalid', 'the image is damaged or incomplete');
  }
  return {
    source,
    contentType: 'image/jpeg',
    main,
    thumb,
    exif,
  };
}

/**
 * GPS position and DateTimeOriginal from a raw EXIF block (as sharp hands it over for JPEG, PNG
 * and WebP alike). Broken or implausible values are dropped; they never reject the photo.
 */
export async function readCameraFacts(rawExif: Buffer): Promise<CameraFacts | null> {
  const tiff = rawExif.subarray(0, 6).toString('latin1') === 'Exif\0\0' ? rawExif.subarray(6) : rawExif;
  let tags: Record<string, unknown> | undefined;
  try {
    tags = await exifr.parse(tiff, { tiff: true, exif: true, gps: true, ifd1: false, reviveValues: false, translateValues: false });
  } catch {
    return null;
  }
  if (!tags) return null;
  const lat = coordinate(tags.latitude, 90);
  const lon = coordinate(tags.longitude, 180);
  // Some phones write 0,0 when they had no fix.
  const hasPosition = lat !== null && lon !== null && !(lat === 0 && lon === 0);
  const takenAt = exifTime(tags.DateTimeOriginal, tags.OffsetTimeOriginal);
  if (!hasPosition && !takenAt) return null;
  return { lat: hasPosition ? lat : null, lon: hasPosition ? lon : null, takenAt };
}

function coordinate(value: unknown, limit: number): number | null {
  return typeof value === 'number' && Number.isFinite(value) && Math.abs(value) <= limit ? value : null;
}

/** 'YYYY:MM:DD HH:MM:SS' in the phone's local time, with its offset when the phone recorded one. */
export function exifTime(value: unknown, offset: unknown): Date | null {
  if (typeof value !== 'string') return null;
  const m = /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const local = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Rejects 0000:00:00 and impossible dates such as 2026:02:31 (which Date would roll over).
  if (year < 1990 || year > 2200 || local.getUTCMonth() !== month - 1 || local.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  const zone = typeof offset === 'string' ? /^([+-])(\d{2}):(\d{2})$/.exec(offset.trim()) : null;
  const offsetMinutes = zone ? (zone[1] === '-' ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : DEFAULT_EXIF_OFFSET_MINUTES;
  return new Date(local.getTime() - offsetMinutes * 60_000);
}

import sharp from 'sharp';

/** Test images made on the spot with sharp: no binary fixtures in the repository. */
export interface MakeImage {
  width?: number;
  height?: number;
  /** EXIF orientation tag (1–8) written into the file. */
  orientation?: number;
  gps?: { lat: number; lon: number };
  takenAt?: string;
  offset?: string;
  noise?: boolean;
  alpha?: boolean;
}

const dms = (value: number) => {
  const abs = Math.abs(value);
  const d = Math.floor(abs);
  const m = Math.floor((abs - d) * 60);
  const s = Math.round(((abs - d) * 60 - m) * 60 * 10000);
  return `${d}/1 ${m}/1 ${s}/10000`;
};

function base(options: MakeImage) {
  const width = options.width ?? 400;
  const height = options.height ?? 300;
  const image = options.noise
    ? sharp({ create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } })
    : sharp({ create: { width, height, channels: options.alpha ? 4 : 3, background: { r: 200, g: 60, b: 40, alpha: options.alpha ? 0.5 : 1 } } });
  const ifd2: Record<string, string> = {};
  if (options.takenAt) ifd2.DateTimeOriginal = options.takenAt;
  if (options.offset) ifd2.OffsetTimeOriginal = options.offset;
  const ifd3: Record<string, string> = {};
  if (options.gps) {
    ifd3.GPSLatitudeRef = options.gps.lat >= 0 ? 'N' : 'S';
    ifd3.GPSLatitude = dms(options.gps.lat);
    ifd3.GPSLongitudeRef = options.gps.lon >= 0 ? 'E' : 'W';
    ifd3.GPSLongitude = dms(options.gps.lon);
  }
  let out = image;
  if (options.orientation) out = out.withMetadata({ orientation: options.orientation });
  if (options.gps || options.takenAt) out = out.withExif({ IFD0: { Make: 'ShuxiangTest' }, IFD2: ifd2, IFD3: ifd3 });
  return out;
}

export const makeJpeg = (options: MakeImage = {}) => base(options).jpeg({ quality: 90 }).toBuffer();
export const makePng = (options: MakeImage = {}) => base(options).png().toBuffer();
export const makeWebp = (options: MakeImage = {}) => base(options).webp().toBuffer();

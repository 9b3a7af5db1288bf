import sharp from 'sharp';
import type { Box, Point, RgbFrame } from './types.js';

export interface SnapshotBox {
  box: Box;
  /** Short text drawn above the box, e.g. `person 0.82`. */
  label: string;
  /** A CSS colour (default amber). */
  color?: string;
}

export interface AlarmOverlay {
  /** The zone, in normalised coordinates. */
  polygon: Point[];
  boxes: SnapshotBox[];
}

const ZONE_COLOR = '#ff2020';
const BOX_COLOR = '#ffc000';

/** The frame as a JPEG (default quality 80). */
export async function encodeJpeg(frame: RgbFrame, quality = 80): Promise<Buffer> {
  return rawImage(frame).jpeg({ quality }).toBuffer();
}

/**
 * The alarm's evidence: the frame with the zone (translucent red, red outline) and the detections'
 * boxes and labels drawn over it, as a JPEG. Labels depend on the fonts installed; the boxes do not.
 */
export async function drawAlarmSnapshot(frame: RgbFrame, overlay: AlarmOverlay, quality = 80): Promise<Buffer> {
  const { width, height } = frame;
  const line = Math.max(2, Math.round(width / 320));
  const fontSize = Math.max(12, Math.round(width / 40));
  const px = ([x, y]: Point) => `${round(x * width)},${round(y * height)}`;
  const parts: string[] = [];
  if (overlay.polygon.length > 0) {
    parts.push(
      `<polygon points="${overlay.polygon.map(px).join(' ')}" fill="${ZONE_COLOR}" fill-opacity="0.25" stroke="${ZONE_COLOR}" stroke-width="${line}" stroke-linejoin="round"/>`,
    );
  }
  for (const { box, label, color } of overlay.boxes) {
    const stroke = escapeXml(color ?? BOX_COLOR);
    const [x, y, w, h] = [round(box.x * width), round(box.y * height), round(box.width * width), round(box.height * height)];
    parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${stroke}" stroke-width="${line}"/>`);
    if (label) {
      // Above the box when there is room, else just inside its top edge.
      const top = y >= fontSize + line * 2 ? y - fontSize - line * 2 : y + line;
      const textWidth = [...label].reduce((sum, ch) => sum + (ch.charCodeAt(0) > 0x2e7f ? 1 : 0.6), 0) * fontSize + line * 2;
      parts.push(
        `<rect x="${x}" y="${top}" width="${round(textWidth)}" height="${fontSize + line * 2}" fill="${stroke}"/>`,
        `<text x="${x + line}" y="${top + fontSize}" font-family="sans-serif" font-size="${fontSize}" fill="#000">${escapeXml(label)}</text>`,
      );
    }
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  return rawImage(frame)
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .jpeg({ quality })
    .toBuffer();
}

function rawImage(frame: RgbFrame) {
  return sharp(frame.data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

function escapeXml(text: string): string {
  // Control characters are not allowed in XML at all.
  return text.replace(/\p{Cc}/gu, '').replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

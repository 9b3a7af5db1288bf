import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { PRIVACY_NOTICE } from './privacy-notice.js';

const require = createRequire(import.meta.url);
const fontFile = (weight: number) => require.resolve(`@fontsource/noto-sans-sc/files/noto-sans-sc-chinese-simplified-${weight}-normal.woff`);

/**
 * A WOFF font as the plain TrueType file it wraps. pdfkit then embeds only the glyphs used; given the
 * WOFF itself, fontkit inflates the whole glyph table again for every glyph (half a minute a poster),
 * and given the WOFF2 it embeds the entire font (megabytes).
 */
export function woffToSfnt(woff: Buffer): Buffer {
  if (woff.readUInt32BE(0) !== 0x774f4646) throw new Error('not a WOFF font');
  const count = woff.readUInt16BE(12);
  const tables = Array.from({ length: count }, (_, i) => {
    const at = 44 + i * 20;
    const offset = woff.readUInt32BE(at + 4);
    const compressed = woff.readUInt32BE(at + 8);
    const length = woff.readUInt32BE(at + 12);
    const raw = woff.subarray(offset, offset + compressed);
    return { tag: woff.readUInt32BE(at), checksum: woff.readUInt32BE(at + 16), data: compressed < length ? inflateSync(raw) : raw };
  });
  const pad = (n: number) => (n + 3) & ~3;
  const header = 12 + 16 * count;
  const out = Buffer.alloc(header + tables.reduce((sum, t) => sum + pad(t.data.length), 0));
  const log2 = Math.floor(Math.log2(count));
  out.writeUInt32BE(woff.readUInt32BE(4), 0); // the wrapped font's flavour
  out.writeUInt16BE(count, 4);
  out.writeUInt16BE(16 * 2 ** log2, 6);
  out.writeUInt16BE(log2, 8);
  out.writeUInt16BE(16 * count - 16 * 2 ** log2, 10);
  let offset = header;
  tables.forEach((t, i) => {
    out.writeUInt32BE(t.tag, 12 + 16 * i);
    out.writeUInt32BE(t.checksum, 16 + 16 * i);
    out.writeUInt32BE(offset, 20 + 16 * i);
    out.writeUInt32BE(t.data.length, 24 + 16 * i);
    t.data.copy(out, offset);
    offset += pad(t.data.length);
  });
  return out;
}

// Full simplified-Chinese fonts (@fontsource/noto-sans-sc), unwrapped once per process.
let fonts: { regular: Buffer; bold: Buffer } | undefined;
const posterFonts = () => (fonts ??= { regular: woffToSfnt(readFileSync(fontFile(400))), bold: woffToSfnt(readFileSync(fontFile(700))) });

/** A4 in PDF points. */
export const A4 = { width: 595.28, height: 841.89 } as const;

export const POSTER_STEPS = [
  '用微信或手机相机扫描上方二维码',
  '输入手机号，填写收到的短信验证码',
  '填写姓名、选择您家的户，同意个人信息保护说明后提交',
] as const;

/**
 * The notice-board poster of a village's join link: the village's full name, the call to scan, a large
 * QR code of the link (dark modules drawn as filled rectangles, so it prints sharp at any size), three
 * steps and the privacy notice's short form. One A4 page.
 */
export async function renderJoinPoster(input: { villageFullName: string; url: string }): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 0, info: { Title: `${input.villageFullName} 村民注册`, Author: '数乡 Shuxiang' } });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.registerFont('regular', posterFonts().regular);
  doc.registerFont('bold', posterFonts().bold);
  const margin = 56;
  const width = A4.width - 2 * margin;

  doc.font('regular').fontSize(14).fillColor('#1f6f43').text('数乡 · 数字乡村', margin, 48, { width, align: 'center' });
  doc.font('bold').fontSize(30).fillColor('#111111').text(input.villageFullName, margin, 80, { width, align: 'center' });
  doc.font('bold').fontSize(24).fillColor('#1f6f43').text('扫码加入数乡 / 村民注册', margin, 132, { width, align: 'center' });

  // The QR code: error correction M, a quiet zone of four modules left white around it.
  const qr = QRCode.create(input.url, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const side = 300;
  const moduleSize = side / size;
  const left = (A4.width - side) / 2;
  const top = 190;
  doc.save().fillColor('#000000');
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!qr.modules.get(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && qr.modules.get(row, col)) col++;
      doc.rect(left + start * moduleSize, top + row * moduleSize, (col - start) * moduleSize, moduleSize).fill();
    }
  }
  doc.restore();

  doc.font('regular').fontSize(10).fillColor('#555555').text(input.url, margin, top + side + 14, { width, align: 'center' });

  let y = top + side + 48;
  doc.font('bold').fontSize(16).fillColor('#111111').text('三步完成注册', margin, y, { width });
  y += 28;
  POSTER_STEPS.forEach((step, i) => {
    doc.font('regular').fontSize(15).fillColor('#111111').text(`${i + 1}. ${step}`, margin + 8, y, { width: width - 8 });
    y += 28;
  });
  doc.font('regular').fontSize(11).fillColor('#333333').text('本村户籍登记在册的村民，姓名与手机号相符即可直接开通；其他村民提交后由村两委审核。', margin, y + 6, { width });

  doc.font('bold').fontSize(10).fillColor('#444444').text('个人信息保护说明（摘要）', margin, A4.height - 130, { width });
  doc.font('regular').fontSize(9).fillColor('#444444').text(PRIVACY_NOTICE.short.zh, margin, A4.height - 114, { width, lineGap: 2 });
  doc.end();
  return done;
}

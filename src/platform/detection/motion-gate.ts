import type { RgbFrame } from './types.js';

export interface MotionGateOptions {
  /** Width of the grayscale thumbnail compared (default 64 px); the height keeps the aspect ratio. */
  width?: number;
  /** A thumbnail pixel whose gray level moved more than this (0–255) has changed (default 20). */
  pixelDelta?: number;
  /** Motion: at least this share (0–1) of the thumbnail's pixels changed (default 0.002). */
  minShare?: number;
}

/**
 * A cheap frame-difference gate in front of the detector: each frame is averaged down to a small
 * grayscale thumbnail (which also smooths sensor noise) and compared with the last frame that had
 * motion. Comparing with that frame rather than the previous one lets slow movement add up until it
 * counts. The first frame, and a frame of another size, count as motion.
 *
 * A person who stops moving stops passing the gate; callers tracking dwell time keep detecting
 * while people are in view.
 */
export class MotionGate {
  private readonly width: number;
  private readonly pixelDelta: number;
  private readonly minShare: number;
  private reference?: { width: number; height: number; gray: Uint8Array };

  constructor(options: MotionGateOptions = {}) {
    this.width = options.width ?? 64;
    this.pixelDelta = options.pixelDelta ?? 20;
    this.minShare = options.minShare ?? 0.002;
  }

  /** Whether the frame differs enough from the last frame that had motion; if so it becomes the new reference. */
  hasMotion(frame: RgbFrame): boolean {
    const { share, thumbnail } = this.compare(frame);
    const moved = share >= this.minShare;
    if (moved) this.reference = { width: frame.width, height: frame.height, gray: thumbnail };
    return moved;
  }

  /** The share (0–1) of thumbnail pixels that changed against the reference, without moving the reference; 1 without one. */
  changedShare(frame: RgbFrame): number {
    return this.compare(frame).share;
  }

  /** Forgets the reference: the next frame counts as motion. */
  reset(): void {
    this.reference = undefined;
  }

  private compare(frame: RgbFrame): { share: number; thumbnail: Uint8Array } {
    const thumbnail = grayThumbnail(frame, this.width);
    const reference = this.reference;
    if (!reference || reference.width !== frame.width || reference.height !== frame.height) return { share: 1, thumbnail };
    let changed = 0;
    for (let i = 0; i < thumbnail.length; i++) {
      if (Math.abs(thumbnail[i]! - reference.gray[i]!) > this.pixelDelta) changed++;
    }
    return { share: changed / thumbnail.length, thumbnail };
  }
}

/** Averages the frame's luma (BT.601 weights) over equal blocks into a thumbnail `maxWidth` wide at most. */
export function grayThumbnail(frame: RgbFrame, maxWidth: number): Uint8Array {
  const { width, height, data } = frame;
  const w = Math.max(1, Math.min(maxWidth, width));
  const h = Math.max(1, Math.round((height * w) / width));
  const column = new Uint32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor((x * w) / width);
  const sums = new Uint32Array(w);
  const counts = new Uint32Array(w);
  const out = new Uint8Array(w * h);
  let row = 0;
  for (let y = 0; y < height; y++) {
    let p = y * width * 3;
    for (let x = 0; x < width; x++, p += 3) {
      const c = column[x]!;
      sums[c]! += 77 * data[p]! + 150 * data[p + 1]! + 29 * data[p + 2]!;
      counts[c]!++;
    }
    // The last source row of this thumbnail row: write the averages and start the next row.
    const next = y + 1 === height ? h : Math.floor(((y + 1) * h) / height);
    if (next !== row) {
      for (let c = 0; c < w; c++) {
        out[row * w + c] = counts[c]! > 0 ? Math.round(sums[c]! / counts[c]! / 256) : 0;
        sums[c] = 0;
        counts[c] = 0;
      }
      row = next;
    }
  }
  return out;
}

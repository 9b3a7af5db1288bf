/**
 * What detection works on and produces. Boxes and points are in normalised image coordinates
 * (0–1, origin top-left), so zones drawn on a snapshot hold whatever the stream's resolution.
 */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  /** COCO class name, e.g. 'person'. */
  label: string;
  /** 0–1 */
  score: number;
  box: Box;
}

/** A decoded video frame: packed RGB, 3 bytes per pixel, row by row. */
export interface RgbFrame {
  width: number;
  height: number;
  data: Uint8Array;
  /** When the frame was decoded (the pipeline's clock). */
  at: Date;
}

export type Point = [x: number, y: number];

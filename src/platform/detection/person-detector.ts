import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { PoolBusy, PoolTimeout, WorkerPool, type WorkerPoolOptions } from '../tts/worker-pool.js';
import { COCO_LABELS } from './coco-labels.js';
import type { Box, Detection, RgbFrame } from './types.js';

/**
 * Finds objects in a frame. Returns every class the detector knows (the zone rule picks the class
 * and applies its own minimum score), best first, boxes normalised 0–1. Throws DetectionError.
 */
export interface ObjectDetector {
  detect(frame: RgbFrame): Promise<Detection[]>;
  close(): Promise<void>;
}

export type DetectionProblem = 'invalid' | 'unavailable' | 'busy' | 'timeout' | 'failed';

export class DetectionError extends Error {
  constructor(
    /** `busy`: the queue is full, skip this frame; `unavailable`: the model cannot be loaded. */
    readonly problem: DetectionProblem,
    message: string,
  ) {
    super(message);
    this.name = 'DetectionError';
  }
}

export interface CenterNetOptions extends Partial<WorkerPoolOptions> {
  /** The model's JSON manifest; default: the centernet.json that @vladmandic/human ships. */
  modelPath?: string;
  /** Detections scoring lower are dropped (default 0.3). */
  minScore?: number;
  /** Most detections returned per frame (default 50). */
  maxDetected?: number;
  /** Of two boxes of one class overlapping more than this (intersection over union), the lower-scoring goes (default 0.5). */
  iouThreshold?: number;
}

interface WorkerRequest {
  modelPath: string;
  width: number;
  height: number;
  data: Uint8Array;
  minScore: number;
}

type WorkerAnswer = { rows: Float32Array; error?: undefined } | { error: string; rows?: undefined };

const ROW = 6;

/** The CenterNet model (MobileNetV3, COCO) that comes with the npm package @vladmandic/human. */
export function bundledCenterNetModel(): string {
  const human = createRequire(import.meta.url).resolve('@vladmandic/human');
  return path.join(path.dirname(human), '..', 'models', 'centernet.json');
}

/**
 * CenterNet on TensorFlow.js's WebAssembly backend in a bounded pool of worker threads (one frame
 * takes about 0.1–0.3 s of one core). Each worker loads the model once, when it starts; `start`
 * warms every worker up, so the first camera frame is not the slow one.
 */
export class CenterNetDetector implements ObjectDetector {
  private readonly pool: WorkerPool<WorkerRequest, WorkerAnswer>;
  private readonly modelPath: string;
  private readonly minScore: number;
  private readonly maxDetected: number;
  private readonly iouThreshold: number;
  private readonly concurrency: number;

  private constructor(options: CenterNetOptions) {
    this.modelPath = path.resolve(options.modelPath ?? bundledCenterNetModel());
    checkModelFiles(this.modelPath);
    this.minScore = options.minScore ?? 0.3;
    this.maxDetected = options.maxDetected ?? 50;
    this.iouThreshold = options.iouThreshold ?? 0.5;
    this.concurrency = options.concurrency ?? availableParallelism();
    this.pool = new WorkerPool(new URL('./centernet.worker.mjs', import.meta.url), {
      concurrency: this.concurrency,
      maxQueue: options.maxQueue ?? this.concurrency * 4,
      // The first request of a worker includes loading the model.
      timeoutMs: options.timeoutMs ?? 20_000,
      // Reloading the model costs about half a second, so idle workers stay a while.
      idleMs: options.idleMs ?? 600_000,
    });
  }

  /** Checks the model files, starts the workers and runs each once. Throws DetectionError (`unavailable`). */
  static async start(options: CenterNetOptions = {}): Promise<CenterNetDetector> {
    const detector = new CenterNetDetector(options);
    const blank: RgbFrame = { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3), at: new Date() };
    try {
      await Promise.all(Array.from({ length: detector.concurrency }, () => detector.detect(blank)));
    } catch (error) {
      await detector.close();
      const message = (error as Error).message;
      throw new DetectionError('unavailable', `the object detector did not start: ${message}`);
    }
    return detector;
  }

  async detect(frame: RgbFrame): Promise<Detection[]> {
    const { width, height } = frame;
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0) || frame.data.length !== width * height * 3) {
      throw new DetectionError('invalid', `a ${width}×${height} RGB frame needs ${width * height * 3} bytes, got ${frame.data.length}`);
    }
    // A view into a larger buffer would send the whole buffer to the worker.
    const data = frame.data.byteLength === frame.data.buffer.byteLength ? frame.data : frame.data.slice();
    let answer: WorkerAnswer;
    try {
      answer = await this.pool.run({ modelPath: this.modelPath, width, height, data, minScore: this.minScore });
    } catch (error) {
      if (error instanceof PoolBusy) throw new DetectionError('busy', 'the object detector is busy; skip this frame');
      if (error instanceof PoolTimeout) throw new DetectionError('timeout', `object detection took too long (${error.message})`);
      throw new DetectionError('failed', `object detection failed: ${(error as Error).message}`);
    }
    if (answer.error !== undefined) throw new DetectionError('failed', `object detection failed: ${answer.error}`);
    return this.toDetections(answer.rows);
  }

  stats() {
    return this.pool.stats();
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Clamps boxes to the frame, names classes, and keeps the best of overlapping boxes of each class. */
  private toDetections(rows: Float32Array): Detection[] {
    const found: (Detection & { cls: number })[] = [];
    for (let i = 0; i + ROW <= rows.length; i += ROW) {
      const [x1, y1, x2, y2] = [clamp(rows[i]!), clamp(rows[i + 1]!), clamp(rows[i + 2]!), clamp(rows[i + 3]!)];
      if (x2 <= x1 || y2 <= y1) continue;
      const cls = rows[i + 5]!;
      const label = COCO_LABELS[cls] ?? `class ${cls}`;
      found.push({ label, cls, score: Math.round(rows[i + 4]! * 1000) / 1000, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } });
    }
    found.sort((a, b) => b.score - a.score);
    const kept: Detection[] = [];
    const keptClasses: number[] = [];
    for (const candidate of found) {
      if (kept.length >= this.maxDetected) break;
      const overlaps = kept.some((other, k) => keptClasses[k] === candidate.cls && iou(other.box, candidate.box) > this.iouThreshold);
      if (overlaps) continue;
      kept.push({ label: candidate.label, score: candidate.score, box: candidate.box });
      keptClasses.push(candidate.cls);
    }
    return kept;
  }
}

function checkModelFiles(modelPath: string): void {
  const missing = (file: string) =>
    new DetectionError('unavailable', `the object detection model is missing: ${file} (it comes with the npm package @vladmandic/human)`);
  let manifest: { weightsManifest?: { paths: string[] }[] };
  try {
    manifest = JSON.parse(readFileSync(modelPath, 'utf8')) as typeof manifest;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw missing(modelPath);
    throw new DetectionError('unavailable', `cannot read the object detection model ${modelPath}: ${(error as Error).message}`);
  }
  for (const file of (manifest.weightsManifest ?? []).flatMap((group) => group.paths)) {
    const weights = path.resolve(path.dirname(modelPath), file);
    if (!statSync(weights, { throwIfNoEntry: false })?.isFile()) throw missing(weights);
  }
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

function iou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

// A worker thread that runs the CenterNet object detector that @vladmandic/human ships (MobileNetV3
// backbone, COCO's 80 classes, 512×512 input) on TensorFlow.js's WebAssembly backend. Plain
// JavaScript so that it runs the same under tsx, vitest and plain Node: a worker thread does not
// inherit a TypeScript loader.
//
// The model is read from disk here and handed to TensorFlow.js from memory: its own loaders fetch
// URLs, and Node's fetch cannot open file:// (Human's loader has the same limit, and only logs it).
// Message in:  { id, modelPath, width, height, data: Uint8Array (RGB), minScore }
// Message out: { id, rows: Float32Array } — per detection x1, y1, x2, y2 (0–1 of the frame), score,
//              class index — or { id, error: string }
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

const require = createRequire(import.meta.url);
const OUTPUT = 'tower_0/detections';
const ROW = 6;

// Emscripten in Node reads the .wasm files with fs, so a folder path works where a URL would not.
setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}${path.sep}`);

/** @type {Map<string, Promise<{ model: tf.GraphModel, size: number }>>} */
const models = new Map();

async function load(modelPath) {
  if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js WebAssembly backend did not start');
  const manifest = JSON.parse(await readFile(modelPath, 'utf8'));
  const groups = manifest.weightsManifest ?? [];
  const files = groups.flatMap((group) => group.paths.map((file) => path.resolve(path.dirname(modelPath), file)));
  const weights = await Promise.all(files.map((file) => readFile(file)));
  const weightData = weights.map((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  const model = await tf.loadGraphModel(
    tf.io.fromMemory({ ...manifest, weightSpecs: groups.flatMap((group) => group.weights), weightData }),
  );
  const size = Number(manifest.signature?.inputs?.['tower_0/images']?.tensorShape?.dim?.[1]?.size);
  if (!Number.isInteger(size) || size <= 0) throw new Error(`${modelPath} does not declare the input size of tower_0/images`);
  return { model, size };
}

function modelAt(modelPath) {
  let loading = models.get(modelPath);
  if (!loading) {
    loading = load(modelPath);
    models.set(modelPath, loading);
  }
  return loading;
}

async function detect({ modelPath, width, height, data, minScore }) {
  const { model, size } = await modelAt(modelPath);
  // Letterboxed (scaled to fit, padded right and below) rather than stretched, so people keep
  // their shape whatever the camera's aspect ratio.
  const scale = size / Math.max(width, height);
  const fitted = [Math.max(1, Math.round(height * scale)), Math.max(1, Math.round(width * scale))];
  const output = tf.tidy(() => {
    const pixels = tf.cast(tf.tensor4d(data, [1, height, width, 3], 'int32'), 'float32');
    const resized = tf.image.resizeBilinear(pixels, fitted);
    const padded = tf.pad(resized, [[0, 0], [0, size - fitted[0]], [0, size - fitted[1]], [0, 0]]);
    return model.execute(padded, OUTPUT);
  });
  const raw = await output.data();
  output.dispose();
  const [w, h] = [fitted[1], fitted[0]];
  const kept = [];
  for (let i = 0; i + ROW <= raw.length; i += ROW) {
    const score = raw[i + 4];
    if (!(score >= minScore) || Number.isNaN(raw[i + 5])) continue;
    kept.push(raw[i] / w, raw[i + 1] / h, raw[i + 2] / w, raw[i + 3] / h, score, raw[i + 5]);
  }
  return Float32Array.from(kept);
}

parentPort.on('message', (request) => {
  detect(request).then(
    (rows) => parentPort.postMessage({ id: request.id, rows }, [rows.buffer]),
    (error) => parentPort.postMessage({ id: request.id, error: String(error?.message ?? error) }),
  );
});

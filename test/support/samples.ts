/** Real sample media for tests (OpenCV's samples from Debian's opencv-doc); see src/platform/media/sample-media.ts. */
export { type SampleName, sampleFile, sampleNames, samplesDir } from '../../src/platform/media/sample-media.js';

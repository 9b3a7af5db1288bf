/**
 * A small IoU tracker for the built-in detector: it gives each detection a track id that stays the
 * same while the object moves, so the zone rules can count frames and dwell time per object.
 */
import type { Box, Detection } from '../../../platform/detection/types.js';
import { iou } from './geometry.js';
import type { TrackedDetection } from './types.js';

export interface IouTrackerOptions {
  /** Least IoU between a track's last box and a detection for them to be the same object. */
  iouThreshold?: number;
  /** Frames a track may go undetected (occlusion, a missed detection) before it is lost. */
  maxMissedFrames?: number;
  /** Prefix of the ids, e.g. a camera's id, so ids from several trackers do not collide. */
  idPrefix?: string;
}

interface Track {
  id: string;
  label: string;
  box: Box;
  missed: number;
}

export class IouTracker {
  private readonly iouThreshold: number;
  private readonly maxMissedFrames: number;
  private readonly idPrefix: string;
  private tracks: Track[] = [];
  private nextId = 1;

  constructor(options: IouTrackerOptions = {}) {
    this.iouThreshold = options.iouThreshold ?? 0.3;
    this.maxMissedFrames = options.maxMissedFrames ?? 4;
    this.idPrefix = options.idPrefix ?? 't';
  }

  /** Objects being followed (seen recently, not yet lost). */
  get activeTracks(): number {
    return this.tracks.length;
  }

  /** One frame's detections: each gets a track id; tracks missed for too long come back in `lost`. */
  update(detections: readonly Detection[]): { tracked: TrackedDetection[]; lost: string[] } {
    // Greedy matching, best pairs first, so a detection is not taken by a worse track that came first.
    const pairs: { track: Track; detection: number; iou: number }[] = [];
    for (const track of this.tracks) {
      detections.forEach((detection, index) => {
        if (detection.label !== track.label) return;
        const overlap = iou(track.box, detection.box);
        if (overlap > 0 && overlap >= this.iouThreshold) pairs.push({ track, detection: index, iou: overlap });
      });
    }
    pairs.sort((a, b) => b.iou - a.iou);
    const matched = new Map<number, Track>();
    const matchedTracks = new Set<Track>();
    for (const pair of pairs) {
      if (matched.has(pair.detection) || matchedTracks.has(pair.track)) continue;
      matched.set(pair.detection, pair.track);
      matchedTracks.add(pair.track);
    }

    const lost: string[] = [];
    const kept: Track[] = [];
    for (const track of this.tracks) {
      if (!matchedTracks.has(track) && ++track.missed > this.maxMissedFrames) lost.push(track.id);
      else kept.push(track);
    }
    this.tracks = kept;

    const tracked = detections.map((detection, index) => {
      let track = matched.get(index);
      if (track) {
        track.box = detection.box;
        track.missed = 0;
      } else {
        track = { id: `${this.idPrefix}${this.nextId++}`, label: detection.label, box: detection.box, missed: 0 };
        this.tracks.push(track);
      }
      return { ...detection, trackId: track.id };
    });
    return { tracked, lost };
  }
}

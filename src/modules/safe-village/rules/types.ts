/**
 * The zone model of 平安乡村 (safe village): a zone is a polygon on one camera's image with the rules
 * that turn tracked detections into alarms. Coordinates are normalised (0–1, origin top-left).
 */
import type { Detection, Point } from '../../../platform/detection/types.js';

/** Which part of a box must be in the zone: the feet (default), the centre, or a share of the box. */
export type Anchor = 'bottom_center' | 'center' | 'box_share';

/** A weekly time window, evaluated in Asia/Shanghai local time. */
export interface ZoneSchedule {
  /** ISO weekdays 1 = Monday … 7 = Sunday; absent = every day. */
  days?: number[];
  /** 'HH:MM'; end <= start wraps past midnight; '00:00'–'24:00' is all day. */
  start: string;
  end: string;
  /** 1–12; absent = all year (e.g. flood season [6, 7, 8, 9]). */
  months?: number[];
}

export interface ZoneRule {
  id: string;
  enabled: boolean;
  /** At least 3 points, normalised. */
  polygon: Point[];
  /** e.g. 'person' */
  objectClass: string;
  /** 0–1 */
  minScore: number;
  anchor: Anchor;
  /** For 'box_share': the share of the box's area that must lie inside the polygon (0–1). */
  minBoxShare: number;
  /** Consecutive inside (or outside) observations before the object counts as inside (or outside again); ≥ 1. */
  inertiaFrames: number;
  /** Inside at least this long before an alarm; 0 = at once. */
  minDwellSeconds: number;
  /** Box area as a share of the image (0–1), inclusive bounds. */
  minBoxArea: number;
  maxBoxArea: number;
  /** Empty = always active; otherwise active when any schedule matches. */
  schedules: ZoneSchedule[];
  /** After an alarm in this zone, no new alarm from it until this has passed. */
  cooldownSeconds: number;
}

export interface TrackedDetection extends Detection {
  trackId: string;
}

export interface ZoneAlarm {
  zoneId: string;
  trackId: string;
  at: Date;
  /** The first of the `inertiaFrames` inside observations that started this presence. */
  enteredAt: Date;
  /** The observation that raised the alarm. */
  detection: TrackedDetection;
  /** The best score seen while inside. */
  score: number;
}

/**
 * Turns tracked detections into zone alarms. It is fed either frame by frame from the built-in
 * detector and IouTracker (`frame`) or event by event from an external detector such as Frigate
 * (`observe`, then `lost` when the event ends); the same sequence per track gives the same alarms.
 *
 * Per zone and track: the object counts as inside after `inertiaFrames` consecutive qualifying
 * observations (entered at the first of them) and as outside again after as many consecutive
 * non-qualifying ones, or when its track is lost. One presence gives at most one alarm. An alarm
 * that dwell time, the schedule or the zone's cooldown holds back is raised later in the same
 * presence once the block clears: someone still standing in a danger zone must still be warned.
 * Alarms are only raised on a qualifying observation, so the alarm's detection shows the object in
 * the zone.
 */
import type { Detection } from '../../../platform/detection/types.js';
import { anchorPoint, boxArea, boxShareInPolygon, pointInPolygon } from './geometry.js';
import { isScheduleActive } from './zone-schedule.js';
import type { TrackedDetection, ZoneAlarm, ZoneRule } from './types.js';

interface Presence {
  inside: boolean;
  /** Consecutive observations against the current state: inside ones while outside, and vice versa. */
  streak: number;
  /** When the current inside run began (epoch ms); the presence's enteredAt once inside. */
  since: number;
  bestScore: number;
  alarmed: boolean;
}

interface ZoneState {
  rule: ZoneRule;
  lastAlarmAt: number | undefined;
  presences: Map<string, Presence>;
}

/** Whether a detection counts as in the zone: class, score, box size and the anchor test. */
export function qualifies(rule: ZoneRule, detection: Detection): boolean {
  if (detection.label !== rule.objectClass || detection.score < rule.minScore) return false;
  const area = boxArea(detection.box);
  if (area < rule.minBoxArea || area > rule.maxBoxArea) return false;
  switch (rule.anchor) {
    case 'box_share': {
      // With minBoxShare 0 the box must still touch the zone.
      const share = boxShareInPolygon(detection.box, rule.polygon);
      return share > 0 && share >= rule.minBoxShare;
    }
    case 'bottom_center':
    case 'center':
      return pointInPolygon(anchorPoint(detection.box, rule.anchor), rule.polygon);
  }
}

export class ZoneEvaluator {
  private zones = new Map<string, ZoneState>();

  constructor(zones: readonly ZoneRule[]) {
    this.setZones(zones);
  }

  /**
   * Replaces the rules. Zones that keep their id keep their presences and cooldown; a disabled
   * zone forgets its presences, so re-enabling it starts afresh.
   */
  setZones(zones: readonly ZoneRule[]): void {
    const next = new Map<string, ZoneState>();
    for (const rule of zones) {
      const previous = this.zones.get(rule.id);
      next.set(rule.id, {
        rule,
        lastAlarmAt: previous?.lastAlarmAt,
        presences: previous && rule.enabled ? previous.presences : new Map(),
      });
    }
    this.zones = next;
  }

  /** One observation of one track; returns the alarms it raises (at most one per zone). */
  observe(at: Date, detection: TrackedDetection): ZoneAlarm[] {
    const alarms: ZoneAlarm[] = [];
    for (const zone of this.zones.values()) {
      if (!zone.rule.enabled) continue;
      const alarm = this.observeIn(zone, at, detection);
      if (alarm) alarms.push(alarm);
    }
    return alarms;
  }

  /** The track has ended (tracker lost it, external event ended): it is outside every zone. */
  lost(trackId: string): void {
    for (const zone of this.zones.values()) zone.presences.delete(trackId);
  }

  /** One frame of tracker output: observes each detection, then drops the lost tracks. */
  frame(at: Date, tracked: readonly TrackedDetection[], lost: readonly string[] = []): ZoneAlarm[] {
    const alarms = tracked.flatMap((detection) => this.observe(at, detection));
    for (const trackId of lost) this.lost(trackId);
    return alarms;
  }

  /** Tracks that currently count as inside the zone. */
  insideTracks(zoneId: string): string[] {
    const presences = this.zones.get(zoneId)?.presences ?? new Map<string, Presence>();
    return [...presences].filter(([, presence]) => presence.inside).map(([trackId]) => trackId);
  }

  private observeIn(zone: ZoneState, at: Date, detection: TrackedDetection): ZoneAlarm | undefined {
    const { rule, presences } = zone;
    const inertia = Math.max(1, rule.inertiaFrames);
    const now = at.getTime();
    let presence = presences.get(detection.trackId);

    if (!qualifies(rule, detection)) {
      if (!presence) return undefined;
      // A run that had not yet reached the inertia is broken by a single outside observation.
      if (!presence.inside || ++presence.streak >= inertia) presences.delete(detection.trackId);
      return undefined;
    }

    if (!presence) {
      presence = { inside: false, streak: 0, since: now, bestScore: detection.score, alarmed: false };
      presences.set(detection.trackId, presence);
    }
    presence.bestScore = Math.max(presence.bestScore, detection.score);
    if (presence.inside) presence.streak = 0;
    else if (++presence.streak >= inertia) {
      presence.inside = true;
      presence.streak = 0;
    }

    if (!presence.inside || presence.alarmed) return undefined;
    if (now - presence.since < rule.minDwellSeconds * 1000) return undefined;
    if (!isScheduleActive(rule.schedules, at)) return undefined;
    if (zone.lastAlarmAt !== undefined && now - zone.lastAlarmAt < rule.cooldownSeconds * 1000) return undefined;

    presence.alarmed = true;
    zone.lastAlarmAt = now;
    return {
      zoneId: rule.id,
      trackId: detection.trackId,
      at,
      enteredAt: new Date(presence.since),
      detection,
      score: presence.bestScore,
    };
  }
}

import type { Clock } from '../../platform/clock.js';
import type { Detection } from '../../platform/detection/types.js';
import type { ZoneRow } from './safe-village.repository.js';
import type { SafeVillageService } from './safe-village.service.js';
import { ZoneEvaluator } from './rules/zone-evaluator.js';

/** Zones edited in the console reach running detectors within this time. */
const REFRESH_MS = 5000;

/**
 * One camera's zones as a detector sees them: the rule engine's state (who is inside, cooldowns)
 * plus the zone rows, reloaded every few seconds so edits apply without a restart.
 */
export class CameraZones {
  readonly evaluator = new ZoneEvaluator([]);
  zones = new Map<string, ZoneRow>();
  private loadedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly cameraId: string,
    private readonly service: SafeVillageService,
    private readonly clock: Clock,
  ) {}

  async refresh(force = false): Promise<void> {
    const now = this.clock.now().getTime();
    if (!force && now - this.loadedAt < REFRESH_MS) return;
    const { rules, zones } = await this.service.rulesOf(this.cameraId);
    this.evaluator.setZones(rules);
    this.zones = zones;
    this.loadedAt = now;
  }

  /** Whether any enabled zone could count this detection (others need no tracking). */
  relevant(detection: Detection): boolean {
    for (const zone of this.zones.values()) if (zone.enabled && zone.object_class === detection.label && detection.score >= zone.min_score) return true;
    return false;
  }

  /** Whether any enabled zone could fire (no zones: the detector need not run on this camera). */
  get armed(): boolean {
    return [...this.zones.values()].some((zone) => zone.enabled);
  }
}

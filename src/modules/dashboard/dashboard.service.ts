import type { Logger } from 'pino';
import type { Clock } from '../../platform/clock.js';
import type { Db } from '../../platform/db/database.js';
import { AppError } from '../../platform/http/errors.js';
import type { JobQueue } from '../../platform/jobs/job-queue.js';
import type { Actor } from '../../platform/request-context.js';
import { isWithin, type Scope } from '../../platform/scope.js';
import { localDate } from '../../platform/working-time.js';
import { requirePermission } from '../accounts/policies.js';
import type { LiveHub } from '../live/live-hub.js';
import { monthWindow } from '../points/points-model.js';
import type { RankingRow } from '../points/points.repository.js';
import { zoneKinds } from '../safe-village/safe-village.schema.js';
import type { WaterStats } from '../water/water.schema.js';
import { DashboardFeed, type FeedSources } from './dashboard-feed.js';
import { addDays, caseFigures, monthOfDay, round } from './dashboard-model.js';
import type { DashboardRepository, RegionHead } from './dashboard.repository.js';
import type { DashboardMap, DashboardQuery, DashboardSummary, ScreenSettings } from './dashboard.schema.js';
import { WeatherSource } from './weather.js';

/** What the screen needs from other modules. */
export interface DashboardDeps {
  db: Db;
  repository: DashboardRepository;
  jobs: JobQueue;
  live: LiveHub;
  /** The points module's monthly rankings (红榜), the same figures as its own pages. */
  points: {
    rankPeople(path: string, role: 'villager', start: Date, end: Date, limit: number): Promise<RankingRow[]>;
    rankHouseholds(path: string, start: Date, end: Date, limit: number): Promise<RankingRow[]>;
  };
  /** The party-building module's count of party members (正式 and 预备) in a region. */
  party: { partyMembersIn(regionPath: string): Promise<number> };
  /** The water module's figures (用水预警) of a region, the same as its own stats. */
  water: { statsIn(scope: Scope, village?: string): Promise<WaterStats> };
  /** The device-health module's share of the last 7 days each child's devices were online (children with none left out). */
  deviceHealth: { availabilityOfChildren(region: { code: string; path: string }): Promise<Map<string, number>> };
  /** Signed picture URLs of the safe-village module. */
  pictures: { cameraSnapshotUrl(cameraId: string): string; alarmSnapshotUrl(alarmId: string): string };
  screen: { title: string; tileUrl?: string; tileAttribution?: string; weatherUrl?: string };
  clock: Clock;
  logger: Logger;
}

const RECENT_ALARMS = 20;
const CAMERA_WALL = 16;
/** Per kind; the schema allows 2000 devices in all. */
const MAP_DEVICES = 1000;
const TOP = 10;

/**
 * 智慧大屏: one region's figures for the big screen, from the read models (see DashboardFeed)
 * plus a few live reads that stay cheap at county scale:
 *
 * - Cameras and speakers online are counted live from `cameras` and `devices` through their
 *   region-path indexes. Their state flips with every heartbeat and reconnect; an incremental gauge
 *   would be rewritten constantly and drift with each missed flip, while counting a township's few
 *   thousand rows by index takes milliseconds and is always right.
 * - Population, villages, grids and grid workers come from `regions` and `users` (hundreds of
 *   rows below a township, indexed); the points leaders from the points ledger, whose
 *   region-and-time index bounds the month's entries of the region.
 */
export class DashboardService {
  readonly feed: DashboardFeed;
  private readonly weather: WeatherSource;

  constructor(private readonly deps: DashboardDeps) {
    this.feed = new DashboardFeed(deps);
    this.weather = new WeatherSource(deps.screen.weatherUrl, deps.clock, deps.logger);
  }

  listen(sources: FeedSources): () => void {
    return this.feed.listen(sources);
  }

  rebuild(regionCode?: string): Promise<void> {
    return this.feed.rebuild(regionCode);
  }

  settled(): Promise<void> {
    return this.feed.settled();
  }

  startBackground(): void {
    this.feed.startBackground();
  }

  async summary(actor: Actor, query: DashboardQuery): Promise<DashboardSummary> {
    const region = await this.readableRegion(actor, query.region);
    const { repository, clock } = this.deps;
    const now = clock.now();
    const today = localDate(now);
    const month = monthOfDay(today);
    const from = [month, addDays(today, -29)].sort()[0]!;

    const { start, end } = monthWindow(month.slice(0, 7));
    const children = await repository.children(region.code);
    const childCodes = children.map((c) => c.code);
    const [totals, days, categories, gauges, alarmsToday, childDays, recent, devices, wall, mapDevices, people, households, partyMembers, water, uptime] = await Promise.all([
      repository.totals(region.path),
      repository.days(region.code, from, today),
      repository.categories(region.code, month),
      repository.gauges([region.code, ...childCodes]),
      repository.alarmsOn([region.code, ...childCodes], today),
      repository.dailyOf(childCodes, today),
      repository.recentAlarms(region.code, RECENT_ALARMS),
      repository.deviceCounts(region.path),
      repository.cameraWall(region.path, CAMERA_WALL),
      repository.mapDevices(region.path, MAP_DEVICES),
      this.deps.points.rankPeople(region.path, 'villager', start, end, TOP),
      this.deps.points.rankHouseholds(region.path, start, end, TOP),
      this.deps.party.partyMembersIn(region.path),
      this.deps.water.statsIn({ regionCode: region.code, path: region.path }),
      this.deps.deviceHealth.availabilityOfChildren(region),
    ]);

    const gaugeOf = (code: string) => gauges.find((g) => g.region_code === code);
    const alarmsOf = (code: string) => alarmsToday.filter((a) => a.region_code === code);
    const devicesOf = (kind: 'camera' | 'speaker', child?: string) =>
      devices.filter((d) => d.kind === kind && (child === undefined || d.child === child)).reduce((sum, d) => ({ total: sum.total + d.total, online: sum.online + d.online }), { total: 0, online: 0 });
    const cameras = devicesOf('camera');
    const speakers = devicesOf('speaker');
    const todays = days.find((d) => d.day === today);
    const figures = caseFigures(days, today);

    return {
      generatedAt: now.toISOString(),
      region: {
        code: region.code,
        name: region.name,
        level: region.level,
        parentCode: region.code === actor.scope.regionCode ? null : region.parent_code,
        areaKm2: region.area_km2 === null ? null : round(region.area_km2, 2),
        registeredPopulation: region.registered_population,
        residentPopulation: region.resident_population,
        // The region's own figure (statistics), else the households registered in Shuxiang.
        households: region.households ?? totals.households,
        villages: totals.villages,
        grids: totals.grids,
        gridWorkers: totals.grid_workers,
        partyMembers,
      },
      cases: {
        today: figures.today,
        thisMonth: figures.thisMonth,
        open: gaugeOf(region.code)?.open_cases ?? 0,
        overdue: gaugeOf(region.code)?.overdue_cases ?? 0,
        closedThisMonth: figures.closedThisMonth,
        closureRate: figures.closureRate === null ? null : round(figures.closureRate, 4),
        avgHandlingHours: figures.avgHandlingHours,
        satisfaction: figures.satisfaction,
        byCategory: categories.map((c) => ({ code: c.code, name: c.name, count: c.count })),
        trend: figures.trend,
      },
      safeVillage: {
        camerasTotal: cameras.total,
        camerasOnline: cameras.online,
        alarmsToday: alarmsOf(region.code).reduce((sum, a) => sum + a.alarms, 0),
        alarmsTodayByKind: zoneKinds.map((kind) => ({ kind, count: alarmsOf(region.code).find((a) => a.kind === kind)?.alarms ?? 0 })),
        recentAlarms: recent.map((a) => ({
          id: a.id,
          cameraName: a.camera_name,
          zoneName: a.zone_name,
          kind: a.kind as (typeof zoneKinds)[number],
          regionName: a.region_name,
          raisedAt: a.raised_at.toISOString(),
          snapshotUrl: a.has_snapshot ? this.deps.pictures.alarmSnapshotUrl(a.id) : null,
        })),
        cameraWall: wall.map((c) => ({ id: c.id, name: c.name, regionName: c.region_name ?? '', online: c.online, snapshotUrl: this.deps.pictures.cameraSnapshotUrl(c.id) })),
      },
      broadcasting: {
        speakersTotal: speakers.total,
        speakersOnline: speakers.online,
        broadcastsToday: todays?.broadcasts ?? 0,
        playsToday: todays?.plays ?? 0,
      },
      water: {
        metersTotal: water.meters.total,
        metersReporting: water.meters.reporting,
        openAlerts: water.openAlerts.total,
        openByType: { leak: water.openAlerts.leak, burst: water.openAlerts.burst, spike: water.openAlerts.spike, zero: water.openAlerts.zero, fault: water.openAlerts.fault },
        alertsToday: water.today.alerts,
        textsToday: water.today.texts,
      },
      points: {
        month: month.slice(0, 7),
        topVillagers: people.map((p) => ({ name: p.name, villageName: p.village_name ?? '', points: p.points })),
        topHouseholds: households.map((h) => ({ name: h.name, villageName: h.village_name ?? '', points: h.points })),
      },
      children: children.map((child) => {
        const childCameras = devicesOf('camera', child.code);
        return {
          code: child.code,
          name: child.name,
          level: child.level,
          residentPopulation: child.resident_population,
          openCases: gaugeOf(child.code)?.open_cases ?? 0,
          casesToday: childDays.find((d) => d.region_code === child.code)?.cases_reported ?? 0,
          alarmsToday: alarmsOf(child.code).reduce((sum, a) => sum + a.alarms, 0),
          camerasOnline: childCameras.online,
          camerasTotal: childCameras.total,
          speakersOnline: devicesOf('speaker', child.code).online,
          availability: uptime.has(child.code) ? round(uptime.get(child.code)!, 4) : null,
        };
      }),
      devices: mapDevices.map((d) => ({ kind: d.kind, id: d.id, name: d.name, online: d.online, lon: d.lon, lat: d.lat })),
    };
  }

  /** The region's outline and its children's boundaries, for a map that needs no internet. */
  async map(actor: Actor, query: DashboardQuery): Promise<DashboardMap> {
    const region = await this.readableRegion(actor, query.region);
    const rows = await this.deps.repository.mapRegions(region.code);
    return {
      type: 'FeatureCollection',
      features: rows.map((row) => ({
        type: 'Feature' as const,
        properties: { code: row.code, name: row.name, level: row.level, role: row.code === region.code ? ('outline' as const) : ('child' as const) },
        geometry: row.boundary,
      })),
    };
  }

  async settings(actor: Actor): Promise<ScreenSettings> {
    requirePermission(actor.role, 'dashboard.read');
    const { screen } = this.deps;
    return { title: screen.title, tileUrl: screen.tileUrl ?? null, tileAttribution: screen.tileAttribution ?? null, weather: await this.weather.current() };
  }

  /** The caller's own region or one below it; anything else (ancestors included) is not found. */
  private async readableRegion(actor: Actor, code: string | undefined): Promise<RegionHead> {
    requirePermission(actor.role, 'dashboard.read');
    const wanted = code ?? actor.scope.regionCode;
    const region = await this.deps.repository.region(wanted);
    if (!region || !isWithin(actor.scope, region.path)) throw new AppError('REGION_NOT_FOUND', { detail: { zh: wanted, en: wanted } });
    return region;
  }
}

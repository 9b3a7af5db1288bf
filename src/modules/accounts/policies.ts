import { AppError } from '../../platform/http/errors.js';
import type { Role } from './roles.js';

/**
 * What each role may do, in one table. Where an action is allowed, the region scope still
 * limits which records it touches; that filter lives in the repositories.
 */
const permissions = {
  'regions.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker', 'villager'],
  'regions.write': ['admin', 'township_staff'],
  'users.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'users.write': ['admin', 'township_staff'],
  // 安全审计: staff read (and export) their township's trail, the county administrator all of it;
  // checking the whole chain's integrity is the administrator's.
  'audit.read': ['admin', 'township_staff'],
  'audit.verify': ['admin'],
  // 云播: staff broadcast to their township, cadres and secretaries to their village (the scope decides).
  'broadcast.send': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'broadcast.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'calendar.write': ['admin'],
  // 值班表: township staff keep their township's roster; those who work in its villages read it.
  'duty.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'duty.write': ['admin', 'township_staff'],
  'categories.write': ['admin'],
  'cases.handle': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'cases.evaluate': ['admin', 'township_staff', 'branch_secretary'],
  'open311.keys': ['admin', 'township_staff'],
  'sms.read': ['admin', 'township_staff'],
  'households.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'households.write': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  // 村民注册: those who keep a village's household register manage its join link, decide self-registrations
  // and re-bind villagers to another household or phone (the scope: their village, or the township).
  'registrations.manage': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.rules.write': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.claim': ['villager', 'grid_worker'],
  'points.approve': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.award': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.ledger.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.store.manage': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'points.redeem': ['villager', 'grid_worker'],
  // 云播: those who broadcast make speech and upload recordings; devices fetch files by signed URL.
  'audio.create': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'audio.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'devices.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'devices.write': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  // 平安乡村: staff manage their township's cameras, cadres their village's; handlers of cases handle alarms.
  'cameras.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'cameras.write': ['admin', 'township_staff', 'village_cadre'],
  'alarms.handle': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  // 用水预警: those who work in the village read meters and alerts (grid workers in their grid) and
  // acknowledge alerts; staff and cadres register meters, upload readings and set the thresholds.
  'water.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'water.handle': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'water.write': ['admin', 'township_staff', 'village_cadre'],
  // 智慧党建: branch secretaries and higher staff keep their region's organisations, members, meetings,
  // study and dues (members' personal data reaches nobody else); administrators set the meeting types and
  // dues brackets; the figures (no personal data) are for everyone who reads the big screen. What a member
  // does for themselves (sign in, ask for leave, record study) depends on being a member, not on a role.
  'party.manage': ['admin', 'township_staff', 'branch_secretary'],
  'party.configure': ['admin'],
  'party.stats': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  // 智慧大屏: the overview of one's own region (township, village or grid) and below; villagers have none.
  'dashboard.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  // 乡村信息: cadres publish to their village, staff to the township; everyone signed in reads.
  'notices.publish': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  // 办证办事: the catalogue kept by the township and villages; villagers ask, the village handles.
  'services.manage': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'services.request': ['villager', 'grid_worker'],
  'services.handle': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  // 养老: the register (without health notes) for those who work; health notes and visits for carers only.
  'elderly.read': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'elderly.write': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
  'elderly.care': ['village_cadre', 'branch_secretary', 'grid_worker'],
  'elderly.alert': ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker'],
  'elderly.meals.request': ['village_cadre', 'branch_secretary', 'grid_worker', 'villager'],
  'elderly.meals.decide': ['admin', 'township_staff', 'village_cadre', 'branch_secretary'],
} as const satisfies Record<string, readonly Role[]>;

export type Permission = keyof typeof permissions;

/** Every permission the role holds, for clients deciding what to show. */
export function permissionsOf(role: Role): Permission[] {
  return (Object.keys(permissions) as Permission[]).filter((permission) => can(role, permission));
}

export function can(role: Role, permission: Permission): boolean {
  return (permissions[permission] as readonly Role[]).includes(role);
}

export function requirePermission(role: Role, permission: Permission): void {
  if (!can(role, permission)) throw new AppError('FORBIDDEN', { permission });
}

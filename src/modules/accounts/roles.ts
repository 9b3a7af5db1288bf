import type { RegionLevel, Role } from '../../platform/db/schema.js';

export type { Role };

export const roles = ['admin', 'township_staff', 'village_cadre', 'branch_secretary', 'grid_worker', 'villager'] as const satisfies readonly Role[];

export const roleLabels: Record<Role, { zh: string; en: string }> = {
  admin: { zh: '县级管理员', en: 'County administrator' },
  township_staff: { zh: '乡镇工作人员', en: 'Township staff' },
  village_cadre: { zh: '村干部', en: 'Village cadre' },
  branch_secretary: { zh: '支部书记', en: 'Party branch secretary' },
  grid_worker: { zh: '网格员', en: 'Grid worker' },
  villager: { zh: '村民', en: 'Villager' },
};

/** The region levels a role's scope may sit at. */
export const roleRegionLevels: Record<Role, readonly RegionLevel[]> = {
  admin: ['county'],
  township_staff: ['township'],
  village_cadre: ['village'],
  branch_secretary: ['village'],
  grid_worker: ['grid'],
  villager: ['village', 'grid'],
};

/** Higher manages lower: nobody grants a role at or above their own, except an administrator. */
export const roleRank: Record<Role, number> = {
  admin: 5,
  township_staff: 4,
  village_cadre: 3,
  branch_secretary: 3,
  grid_worker: 2,
  villager: 1,
};

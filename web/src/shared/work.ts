import { casesApi, type CaseSummary } from '@/api/cases';
import type { Role } from '@/api/users';
import { currentDeadline } from './cases';

/**
 * A handler's queue, most urgent first. Reports are not assigned when filed: a grid worker's
 * "to accept" are the submitted cases of their grid (their scope), "in hand" the ones they accepted.
 * A village cadre sees the open cases of the village; a branch secretary the ones awaiting evaluation.
 */
export async function workQueue(role: Role, pageSize = 100): Promise<{ items: CaseSummary[]; total: number }> {
  if (role === 'grid_worker') {
    const [open, mine] = await Promise.all([
      casesApi.list({ state: 'submitted', sort: 'due', pageSize }),
      casesApi.list({ mine: 'assigned', state: 'accepted', sort: 'due', pageSize }),
    ]);
    const items = [...open.items, ...mine.items].sort(byDeadline);
    return { items, total: open.total + mine.total };
  }
  if (role === 'village_cadre' || role === 'township_staff' || role === 'admin') {
    return casesApi.list({ state: 'submitted,accepted', sort: 'due', pageSize });
  }
  return casesApi.list({ state: 'resolved', sort: 'due', pageSize });
}

function byDeadline(a: CaseSummary, b: CaseSummary): number {
  const da = currentDeadline(a) ?? '9999';
  const db = currentDeadline(b) ?? '9999';
  return da < db ? -1 : da > db ? 1 : 0;
}

import type { Config } from '../../config.js';
import type { Role } from './roles.js';

/**
 * Which session rules apply is decided by role, not by the client: staff roles work in the console
 * (short idle timeout, limited concurrent sessions), villagers and grid workers on their own phones
 * out in the village (a long idle timeout, so they are not asked for a password at every visit). A
 * client label would be the caller's own claim, so it could not be trusted to lengthen a session.
 */
const phoneRoles: readonly Role[] = ['villager', 'grid_worker'];

export interface SessionPolicy {
  idleMs: number;
  ttlMs: number;
  /** Live sessions one account may hold; the oldest ends when one more starts. Infinity: no limit. */
  maxConcurrent: number;
  /** Whether the role's password expires (PASSWORD_MAX_AGE_DAYS). */
  passwordExpires: boolean;
}

export function sessionPolicyFor(role: Role, settings: Config['auth']): SessionPolicy {
  if (phoneRoles.includes(role)) {
    const { idleMinutes, ttlHours } = settings.sessions.phone;
    return { idleMs: idleMinutes * 60_000, ttlMs: ttlHours * 3_600_000, maxConcurrent: Infinity, passwordExpires: false };
  }
  const { idleMinutes, ttlHours, maxConcurrent } = settings.sessions.staff;
  return { idleMs: idleMinutes * 60_000, ttlMs: ttlHours * 3_600_000, maxConcurrent, passwordExpires: true };
}

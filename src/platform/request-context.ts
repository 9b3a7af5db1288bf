import type { Role } from './db/schema.js';
import type { Scope } from './scope.js';

/** Who is calling, resolved once per request by the auth hook. */
export interface Actor {
  userId: string;
  role: Role;
  name: string;
  /** The caller's own phone number (for "as reported" records such as a case's reporter). */
  phone: string;
  scope: Scope;
}

/** Where a change came from, for the audit trail. */
export interface RequestMeta {
  requestId: string | null;
  ip: string | null;
}

export const noRequest: RequestMeta = { requestId: null, ip: null };

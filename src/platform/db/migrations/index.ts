import type { Migration } from 'kysely';
import * as createFoundation from './20261127090000-create-foundation.js';

/**
 * Every migration, in order. Listed statically (not read from the folder) so they load the same
 * under tsx, vitest and a bundle. Append new ones; never edit one that has landed.
 */
export const migrations: Record<string, Migration> = {
  '20261127090000-create-foundation': createFoundation,
};

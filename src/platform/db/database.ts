import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

// bigint (int8) columns such as counts come back as strings by default; our counts fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));
// numeric columns hold hours and points here, well inside double precision.
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (value) => Number(value));
// A calendar date is a local date, not an instant: keep 'YYYY-MM-DD' instead of a Date at UTC midnight.
pg.types.setTypeParser(pg.types.builtins.DATE, (value) => value);

const pools = new WeakMap<Db, pg.Pool>();

export function createDb(connectionString: string, poolSize = 10): Db {
  const pool = new pg.Pool({ connectionString, max: poolSize });
  // An idle client losing its server (restart, network) must not crash the process.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  pools.set(db, pool);
  return db;
}

/** The pool behind a database handle, for what Kysely does not offer (LISTEN). */
export function poolOf(db: Db): pg.Pool | undefined {
  return pools.get(db);
}

/** True when the server answers a trivial query within the timeout. */
export async function pingDb(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = sql`SELECT 1`.execute(db).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([ping, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

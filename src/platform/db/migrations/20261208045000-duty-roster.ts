import { type Kysely, sql } from 'kysely';

/** 值班表: who of a township's staff is on duty on each (Shanghai) day; several people a day allowed. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE duty_roster (
      township_code text NOT NULL REFERENCES regions(code),
      date date NOT NULL,
      user_id uuid NOT NULL REFERENCES users(id),
      created_by uuid REFERENCES users(id),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (township_code, date, user_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE duty_roster`.execute(db);
}

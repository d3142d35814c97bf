import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
/** The roles tests migrate as (owner) and run the engine as (runtime): the ones `scripts/stack.sh up` creates. */
export const TEST_OWNER_ROLE = process.env.TEST_DATABASE_OWNER_ROLE ?? 'commission_owner';
export const TEST_RUNTIME_ROLE = process.env.TEST_DATABASE_RUNTIME_ROLE ?? 'commission_engine';
let counter = 0;

/** A fresh, uniquely named database URL for one test, as the cluster's superuser (created by the engine's own migration path). */
export function testDatabaseUrl(label = 'test'): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/ce_${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  return url.toString();
}

/** One fresh database and the three ways into it. */
export interface TestDatabase {
  /** the cluster's superuser: setup and inspection in tests, never the engine */
  adminUrl: string;
  /** the owner: migrations (MIGRATION_DATABASE_URL); it creates the database, so it owns it */
  ownerUrl: string;
  /** the runtime role: the engine (DATABASE_URL), with only what runtime_privilege grants */
  runtimeUrl: string;
}

/** A fresh, uniquely named database reached as superuser, owner and runtime role (see `ensureTestRoles`). */
export function testDatabase(label = 'test'): TestDatabase {
  const adminUrl = testDatabaseUrl(label);
  const as = (role: string) => {
    const url = new URL(adminUrl);
    url.username = encodeURIComponent(role);
    url.password = '';
    return url.toString();
  };
  return { adminUrl, ownerUrl: as(TEST_OWNER_ROLE), runtimeUrl: as(TEST_RUNTIME_ROLE) };
}

let rolesReady: Promise<void> | undefined;

/**
 * Creates the owner role (LOGIN CREATEDB) and the runtime role (LOGIN, nothing else) when missing, as the
 * cluster's superuser, as `scripts/stack.sh up` does; concurrent test processes may race, and both win. The
 * owner and runtime URLs carry no password: the cluster must trust them (the local one trusts 127.0.0.1).
 */
export function ensureTestRoles(): Promise<void> {
  rolesReady ??= createRoles().catch((error) => {
    rolesReady = undefined;
    throw error;
  });
  return rolesReady;
}

async function createRoles(): Promise<void> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    for (const [role, attributes] of [
      [TEST_OWNER_ROLE, 'LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOBYPASSRLS NOREPLICATION'],
      [TEST_RUNTIME_ROLE, 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION'],
    ]) {
      const { rowCount } = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
      if (rowCount !== 0) continue;
      await client.query(`CREATE ROLE "${role.replace(/"/g, '""')}" ${attributes}`).catch((error: { code?: string }) => {
        // created concurrently: 42710 duplicate_object, or 23505 when both passed the check at the same moment
        if (error.code !== '42710' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

// For jest test files only (uses jest's globals): one throwaway cluster per test file.
import { startPostgresCluster, type PostgresCluster } from './cluster';

/**
 * Starts a cluster before the file's tests and removes it after. `newDatabase()` gives each test
 * its own empty database, so tests never see each other's rows.
 */
export function usePostgresCluster(): { newDatabase(): Promise<string>; cluster(): PostgresCluster } {
  // A real server on a machine shared with other test workers: jest's 5 s default is too tight.
  jest.setTimeout(20_000);
  let cluster: PostgresCluster | undefined;
  let n = 0;
  beforeAll(async () => { cluster = await startPostgresCluster(); }, 60_000);
  afterAll(() => cluster?.stop());
  const get = () => {
    if (!cluster) throw new Error('The test PostgreSQL cluster did not start; see the error of beforeAll above');
    return cluster;
  };
  return { newDatabase: () => get().createDatabase(`test_${++n}`), cluster: get };
}

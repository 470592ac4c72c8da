// The source-address table's PostgreSQL variant on a throwaway cluster: the migration runs
// through the core's PostgreSQL store, and the table refuses what the SQLite one refuses
// (one row per user and network, one user per address and network).
import { openPostgresStore } from '../../../../packages/appservice/src/store/postgres/open';
import { usePostgresCluster } from '../../../../packages/appservice/src/store/postgres/testing/jest';
import { SOURCE_ADDRESS_STEP } from './repository';

const pg = usePostgresCluster();

describe('irc_source_addresses on PostgreSQL', () => {
  it('is created by its migration and keeps addresses unique per network', async () => {
    const store = await openPostgresStore(await pg.newDatabase(), { extraMigrations: [{ scope: 'irc', migrations: [{ ...SOURCE_ADDRESS_STEP, version: 1 }] }] });
    try {
      const insert = (network: string, user: string, seq: number, address: string) => store.pool.query(
        'INSERT INTO irc_source_addresses (network, user_id, prefix, seq, address, allocated_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [network, user, '2001:db8:1::/64', seq, address, Date.now()],
      );
      await insert('libera', '@alice:example.org', 0, '2001:db8:1::1');
      await insert('oftc', '@bob:example.org', 0, '2001:db8:1::1');
      await expect(insert('libera', '@bob:example.org', 1, '2001:db8:1::1')).rejects.toThrow(/unique/i);
      await expect(insert('libera', '@alice:example.org', 1, '2001:db8:1::2')).rejects.toThrow(/unique|duplicate/i);
      const max = await store.pool.query('SELECT MAX(seq) AS seq FROM irc_source_addresses WHERE network = $1 AND prefix = $2', ['libera', '2001:db8:1::/64']);
      expect(Number(max.rows[0].seq)).toBe(0);
    } finally {
      await store.close();
    }
  });
});

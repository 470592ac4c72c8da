import { findPostgresBin } from './cluster';

describe('the test PostgreSQL cluster', () => {
  const saved = process.env.BRIDGEKIT_PG_BIN;
  afterEach(() => { if (saved === undefined) delete process.env.BRIDGEKIT_PG_BIN; else process.env.BRIDGEKIT_PG_BIN = saved; });

  it('fails, saying what to install, when PostgreSQL cannot be found (a test needing it never skips)', () => {
    process.env.BRIDGEKIT_PG_BIN = '/nonexistent/postgresql/bin';
    expect(() => findPostgresBin()).toThrow(/has no initdb.*bash test\/e2e\/setup postgres/);
  });

  it('finds the installed PostgreSQL', () => {
    delete process.env.BRIDGEKIT_PG_BIN;
    expect(findPostgresBin()).toMatch(/\/bin$/);
  });
});

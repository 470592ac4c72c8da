import { nestsDeeperThan } from './nesting';

describe('nestsDeeperThan', () => {
  const arrays = (levels: number): unknown => (levels === 0 ? 1 : [arrays(levels - 1)]);

  it.each([
    [1, 0, false], [{}, 0, true], [{}, 1, false], [{ a: [] }, 1, true], [{ a: [] }, 2, false],
    [{ a: 1, b: { c: { d: null } } }, 3, false], [{ a: 1, b: { c: { d: {} } } }, 3, true],
    [arrays(10), 10, false], [arrays(11), 10, true], [null, 0, false], ['text', 0, false],
  ])('%j deeper than %i levels: %s', (value, limit, expected) => {
    expect(nestsDeeperThan(value, limit)).toBe(expected);
  });

  it('walks 100,000 levels without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(nestsDeeperThan(deep, 100)).toBe(true);
    expect(nestsDeeperThan(deep, 100_000)).toBe(false);
  });
});

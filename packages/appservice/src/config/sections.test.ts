import { closestName, editDistance } from './sections';

describe('closestName', () => {
  const core = ['homeserver', 'appservice', 'metrics', 'database', 'logging', 'ingest', 'irc'];
  it.each([
    ['loging', 'logging'], ['homserver', 'homeserver'], ['app_service', 'appservice'], ['Metrics', 'metrics'],
    ['databse', 'database'], ['ingets', 'ingest'], ['ircc', 'irc'],
  ])('%s → %s', (typo, meant) => expect(closestName(typo, core)).toBe(meant));
  it.each([['db'], ['networks'], ['x'], ['media']])('%s suggests nothing', (word) => expect(closestName(word, core)).toBeUndefined());
});

describe('editDistance', () => {
  it.each([['', '', 0], ['a', '', 1], ['kitten', 'sitting', 3], ['loging', 'logging', 1], ['abc', 'abc', 0]])(
    '%p ↔ %p = %p', (a, b, d) => {
      expect(editDistance(a, b)).toBe(d);
      expect(editDistance(b, a)).toBe(d);
    },
  );
});

import { asUserId } from '@bridgekit/appservice';
import type { Casemapping } from '../mapping/casefold';
import { OwnNicks } from './own-nicks';

const alice = asUserId('@alice:hs.test');
const bob = asUserId('@bob:hs.test');

describe('OwnNicks', () => {
  it('knows our puppets by nick under the server casemapping', () => {
    const nicks = new OwnNicks(() => 'rfc1459');
    nicks.add(alice, 'Alice[m]');
    expect(nicks.has('alice{M}')).toBe(true);
    expect(nicks.userOf('ALICE[M]')).toBe(alice);
    expect(nicks.has('carol')).toBe(false);
  });

  it('follows the casemapping when the server announces another one', () => {
    let mapping: Casemapping = 'rfc1459';
    const nicks = new OwnNicks(() => mapping);
    mapping = 'ascii';
    nicks.add(alice, 'a[b]');
    expect(nicks.has('A[B]')).toBe(true);
    expect(nicks.has('a{b}')).toBe(false);
  });

  it('keeps the last few nicks of a user (a late QUIT or NICK from an old nick is still ours)', () => {
    const nicks = new OwnNicks(() => 'rfc1459');
    nicks.settle(alice, 'a1');
    nicks.settle(alice, 'a2');
    nicks.settle(alice, 'a3');
    expect(['a1', 'a2', 'a3'].map((n) => nicks.has(n))).toEqual([true, true, true]);
    nicks.settle(alice, 'a4');
    expect(['a1', 'a2', 'a3', 'a4'].map((n) => nicks.has(n))).toEqual([false, true, true, true]);
  });

  it('gives a nick to its latest user and forgets a user completely', () => {
    const nicks = new OwnNicks(() => 'rfc1459');
    nicks.add(alice, 'shared');
    nicks.add(bob, 'shared');
    expect(nicks.userOf('shared')).toBe(bob);
    nicks.forget(alice);
    expect(nicks.userOf('shared')).toBe(bob);
    nicks.forget(bob);
    expect(nicks.size).toBe(0);
  });

  it('drops a nick asked for at registration but not given: its holder on IRC is someone else', () => {
    const nicks = new OwnNicks(() => 'rfc1459');
    nicks.add(alice, 'alice[m]');
    expect(nicks.has('alice[m]')).toBe(true); // until the server answers
    nicks.settle(alice, 'alice[m]_', 'alice[m]');
    expect(nicks.has('alice[m]')).toBe(false);
    expect(nicks.userOf('alice[m]_')).toBe(alice);
    nicks.settle(alice, 'alice2');
    expect(['alice[m]', 'alice[m]_', 'alice2'].map((n) => nicks.has(n))).toEqual([false, true, true]);
  });

  it('drops a nick the user held before when a reconnect finds someone else in it', () => {
    const nicks = new OwnNicks(() => 'rfc1459');
    nicks.add(bob, 'bob[m]');
    nicks.settle(bob, 'BOB[m]', 'bob[m]');
    expect(nicks.has('bob[m]')).toBe(true);
    // The server restarted and someone took bob[m] before bob's connection came back.
    nicks.settle(bob, 'bob[m]_', 'bob[m]');
    expect(['bob[m]', 'bob[m]_'].map((n) => nicks.has(n))).toEqual([false, true]);
  });
});

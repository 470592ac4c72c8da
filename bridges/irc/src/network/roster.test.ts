// Unit tests of the channel roster: members with their prefix symbols, casefolded.
import type { IrcNick } from '../mapping/ids';
import { ChannelRoster } from './roster';

const nick = (n: string) => n as IrcNick;

describe('ChannelRoster', () => {
  it('keeps prefix symbols from NAMES and MODE, across renames, casefolded', () => {
    const roster = new ChannelRoster(() => 'rfc1459');
    roster.reset('#Chan', new Map([[nick('Carol'), '@'], [nick('dave'), ''], [nick('Erin[m]'), '+']]));
    expect(roster.prefixesOf('#chan', 'carol')).toBe('@');
    expect(roster.prefixesOf('#chan', 'erin{m}')).toBe('+');
    roster.setPrefix('#chan', 'DAVE', '+', true);
    roster.setPrefix('#chan', 'dave', '@', true);
    roster.setPrefix('#chan', 'dave', '+', false);
    expect(roster.prefixesOf('#chan', 'dave')).toBe('@');
    roster.rename('dave', nick('David'));
    expect(roster.prefixesOf('#chan', 'david')).toBe('@');
    expect(roster.find('#CHAN', 'DAVID')).toBe('David');
    expect(roster.prefixesOf('#chan', 'dave')).toBeUndefined();
    roster.setPrefix('#chan', 'nobody', '@', true);
    expect(roster.members('#chan')).toEqual(['Carol', 'Erin[m]', 'David']);
  });

  it('knows which channels a nick is in, and forgets them on QUIT', () => {
    const roster = new ChannelRoster(() => 'ascii');
    roster.reset('#a', [nick('carol')]);
    roster.add('#B', nick('Carol'));
    expect(roster.channelsOf('CAROL')).toEqual(['#a', '#b']);
    expect(roster.prefixesOf('#b', 'carol')).toBe('');
    expect(roster.removeEverywhere('carol')).toEqual(['#a', '#b']);
    expect(roster.channelsOf('carol')).toEqual([]);
  });

  it('keeps which channels each nick is in through NAMES, PART, KICK, the bot leaving, NICK and QUIT', () => {
    const roster = new ChannelRoster(() => 'rfc1459');
    for (let i = 0; i < 50; i++) roster.add(`#c${i}`, nick('filler'));
    roster.reset('#a', [nick('Carol'), nick('dave')]);
    roster.add('#b', nick('carol'));
    roster.add('#c', nick('Carol'));
    expect(roster.channelsOf('CAROL')).toEqual(['#a', '#b', '#c']);
    roster.remove('#b', 'carol'); // PART
    roster.reset('#a', [nick('dave')]); // a fresh NAMES without her
    expect(roster.channelsOf('carol')).toEqual(['#c']);
    expect(roster.channelsOf('dave')).toEqual(['#a']);
    roster.rename('Carol', nick('Caz[1]'));
    expect(roster.channelsOf('carol')).toEqual([]);
    expect(roster.channelsOf('caz{1}')).toEqual(['#c']);
    expect(roster.find('#c', 'CAZ[1]')).toBe('Caz[1]');
    roster.dropChannel('#C'); // the bot left
    expect(roster.channelsOf('caz[1]')).toEqual([]);
    expect(roster.removeEverywhere('caz[1]')).toEqual([]);
    expect(roster.channelsOf('filler')).toHaveLength(50);
    expect(roster.removeEverywhere('FILLER')).toHaveLength(50);
    expect(roster.members('#c7')).toEqual([]);
    roster.add('#c7', nick('filler'));
    expect(roster.channelsOf('filler')).toEqual(['#c7']);
  });
});

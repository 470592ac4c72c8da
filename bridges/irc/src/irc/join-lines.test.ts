import { JoinLines } from './join-lines';

/** A send that records lines and settles them when told. */
function recordingSend() {
  const lines: string[] = [];
  const settle: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const send = (line: string) => new Promise<void>((resolve, reject) => {
    lines.push(line);
    settle.push({ resolve, reject });
  });
  return { lines, settle, send };
}

describe('JoinLines', () => {
  it('sends the joins asked in one turn as few lines as fit, each within the byte limit, in order', async () => {
    const { lines, settle, send } = recordingSend();
    const joins = new JoinLines(send, undefined, 100);
    const channels = Array.from({ length: 40 }, (_, i) => `#channel${i}`);
    const done = Promise.all(channels.map((c) => joins.add(c)));
    await Promise.resolve();
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.length).toBeLessThan(10);
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(100);
    expect(lines.flatMap((l) => l.replace(/^JOIN /, '').split(','))).toEqual(channels);
    settle.forEach((s) => s.resolve());
    await expect(done).resolves.toHaveLength(40);
  });

  it('counts bytes, not characters, against the limit', async () => {
    const { lines, send } = recordingSend();
    const joins = new JoinLines(send, undefined, 30);
    for (const c of ['#ééééé', '#ééééé', '#ééééé']) void joins.add(c);
    await Promise.resolve();
    for (const line of lines) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(30);
    expect(lines).toEqual(['JOIN #ééééé,#ééééé', 'JOIN #ééééé']);
  });

  it('starts a new line for joins asked in a later turn', async () => {
    const { lines, send } = recordingSend();
    const joins = new JoinLines(send);
    void joins.add('#a');
    void joins.add('#b');
    await Promise.resolve();
    void joins.add('#c');
    await Promise.resolve();
    expect(lines).toEqual(['JOIN #a,#b', 'JOIN #c']);
  });

  it('rejects the channels of a line that could not be sent, and only those', async () => {
    const { lines, settle, send } = recordingSend();
    const joins = new JoinLines(send, undefined, 16);
    const a = joins.add('#aaaaa');
    const b = joins.add('#bbbbb');
    const c = joins.add('#ccccc');
    await Promise.resolve();
    expect(lines).toEqual(['JOIN #aaaaa', 'JOIN #bbbbb', 'JOIN #ccccc']);
    settle[0]!.resolve();
    settle[1]!.reject(new Error('queue full'));
    settle[2]!.resolve();
    await expect(a).resolves.toBeUndefined();
    await expect(b).rejects.toThrow('queue full');
    await expect(c).resolves.toBeUndefined();
  });

  it('names no more channels per line than the server allows (TARGMAX)', async () => {
    const { lines, send } = recordingSend();
    const joins = new JoinLines(send, () => 2);
    for (const c of ['#a', '#b', '#c', '#d', '#e']) void joins.add(c);
    await Promise.resolve();
    expect(lines).toEqual(['JOIN #a,#b', 'JOIN #c,#d', 'JOIN #e']);
  });
});

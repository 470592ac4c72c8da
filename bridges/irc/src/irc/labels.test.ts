import { LabeledReplies } from './labels';

type Line = Parameters<LabeledReplies['observe']>[0];
const line = (command: string, params: string[], tags: Record<string, string> = {}): Line => ({ command, params, tags } as unknown as Line);

describe('LabeledReplies', () => {
  it('ends each labeled batch with its label, also after every earlier batch ended', () => {
    const labels = new LabeledReplies();
    for (const [id, label] of [['a', 'bk1'], ['b', 'bk2']]) {
      expect(labels.observe(line('BATCH', [`+${id}`, 'labeled-response'], { label }))).toBeUndefined();
      expect(labels.observe(line('311', ['me', 'alice'], { batch: id }))).toBeUndefined();
      expect(labels.observe(line('BATCH', [`-${id}`]))).toBe(label);
    }
    expect(labels.observe(line('BATCH', ['-a']))).toBeUndefined(); // already ended
  });

  it('forgets open batches when the connection closes', () => {
    const labels = new LabeledReplies();
    labels.observe(line('BATCH', ['+x', 'labeled-response'], { label: 'bk9' }));
    labels.clear();
    expect(labels.observe(line('BATCH', ['-x']))).toBeUndefined();
    expect(labels.observe(line('PONG', ['srv'], { label: 'bk10' }))).toBe('bk10');
  });
});

import { randomBytes } from 'node:crypto';
import { isAccountError } from './errors';
import { SecretBox, secretAad, type SealedSecret } from './secret-box';

const aad = secretAad('@alice:example.org', 'libera', undefined);

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return isAccountError(error) ? error.code : `not an AccountError: ${String(error)}`;
  }
  return undefined;
}

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it('round-trips random byte sequences of many lengths', () => {
    for (let length = 0; length <= 300; length += 7) {
      for (let i = 0; i < 3; i++) {
        const plain = randomBytes(length);
        expect(box.open(box.seal(plain, aad), aad).equals(plain)).toBe(true);
      }
    }
  });

  it.each([
    ['spaces', 'correct horse battery staple'],
    ['colons', 'account:pass:word::'],
    ['unicode', 'pässwörd ✓ 密码 🔑'],
    ['leading and trailing spaces', '  padded  '],
    ['NUL and control bytes', 'a\0b\x01c'],
  ])('round-trips a password with %s', (_name, password) => {
    const plain = Buffer.from(password, 'utf8');
    expect(box.open(box.seal(plain, aad), aad).toString('utf8')).toBe(password);
  });

  it('uses a fresh 12-byte IV per secret, so equal passwords give different ciphertexts', () => {
    const a = box.seal(Buffer.from('same'), aad);
    const b = box.seal(Buffer.from('same'), aad);
    expect(a.iv).toHaveLength(12);
    expect(a.tag).toHaveLength(16);
    expect(a.iv.equals(b.iv)).toBe(false);
    expect(a.ciphertext.equals(b.ciphertext)).toBe(false);
  });

  it('does not contain the plaintext in the ciphertext', () => {
    const sealed = box.seal(Buffer.from('hunter2hunter2'), aad);
    expect(sealed.ciphertext.includes(Buffer.from('hunter2'))).toBe(false);
  });

  it.each<[string, (s: SealedSecret) => SealedSecret]>([
    ['a flipped ciphertext bit', (s) => ({ ...s, ciphertext: flip(s.ciphertext) })],
    ['a flipped tag bit', (s) => ({ ...s, tag: flip(s.tag) })],
    ['a flipped IV bit', (s) => ({ ...s, iv: flip(s.iv) })],
    ['a truncated tag', (s) => ({ ...s, tag: s.tag.subarray(0, 12) })],
    ['an appended byte', (s) => ({ ...s, ciphertext: Buffer.concat([s.ciphertext, Buffer.from([0])]) })],
  ])('detects %s', (_name, tamper) => {
    const sealed = box.seal(Buffer.from('secret password'), aad);
    expect(codeOf(() => box.open(tamper(sealed), aad))).toBe('PASSWORD_TAMPERED');
  });

  it('refuses a ciphertext bound to another user or network', () => {
    const sealed = box.seal(Buffer.from('secret'), aad);
    expect(codeOf(() => box.open(sealed, secretAad('@mallory:example.org', 'libera', undefined)))).toBe('PASSWORD_TAMPERED');
    expect(codeOf(() => box.open(sealed, secretAad('@alice:example.org', 'oftc', undefined)))).toBe('PASSWORD_TAMPERED');
  });

  it('reports a different key as a key change, and a forged key ID as tampering', () => {
    const sealed = box.seal(Buffer.from('secret'), aad);
    const other = new SecretBox(randomBytes(32));
    expect(codeOf(() => other.open(sealed, aad))).toBe('PASSWORD_KEY_CHANGED');
    expect(codeOf(() => other.open({ ...sealed, keyId: other.keyId }, aad))).toBe('PASSWORD_TAMPERED');
  });

  it('derives a stable key ID that is not the key', () => {
    const key = randomBytes(32);
    expect(new SecretBox(key).keyId).toBe(new SecretBox(key).keyId);
    expect(new SecretBox(key).keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(key.toString('hex')).not.toContain(new SecretBox(key).keyId);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(codeOf(() => new SecretBox(randomBytes(31)))).toBe('KEY_FILE_INVALID');
    expect(codeOf(() => new SecretBox(randomBytes(33)))).toBe('KEY_FILE_INVALID');
  });
});

describe('secretAad', () => {
  it('encodes tuples unambiguously', () => {
    expect(secretAad('a', 'b:c').equals(secretAad('a:b', 'c'))).toBe(false);
    expect(secretAad('ab', 'c').equals(secretAad('a', 'bc'))).toBe(false);
    expect(secretAad('a', undefined).equals(secretAad('a', ''))).toBe(false);
    expect(secretAad('a', 'b').equals(secretAad('a', 'b'))).toBe(true);
  });
});

function flip(buffer: Buffer): Buffer {
  const copy = Buffer.from(buffer);
  copy[0] = (copy[0] ?? 0) ^ 0x01;
  return copy;
}

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createClientCertificate } from './client-cert';

describe('createClientCertificate', () => {
  it('makes a self-signed certificate node:crypto parses and verifies, for its own key', () => {
    const now = new Date('2026-12-07T12:00:00Z');
    const made = createClientCertificate({ commonName: 'bridgekit @alice:example.org', now });
    const cert = new X509Certificate(made.certPem);
    expect(cert.subject).toBe('CN=bridgekit @alice:example.org');
    expect(cert.issuer).toBe(cert.subject);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(made.keyPem))).toBe(true);
    expect(new Date(cert.validFrom).getTime()).toBe(now.getTime() - 60_000);
    // Past 2049 the dates switch to GeneralizedTime.
    expect(new Date(cert.validTo).getUTCFullYear()).toBe(2046);
    expect(cert.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(made.fingerprint);
    expect(made.fingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes GeneralizedTime for dates from 2050 and a fresh key and serial each time', () => {
    const a = createClientCertificate({ commonName: 'a', now: new Date('2045-01-01T00:00:00Z'), validDays: 3650 });
    const b = createClientCertificate({ commonName: 'a', now: new Date('2045-01-01T00:00:00Z'), validDays: 3650 });
    expect(new Date(new X509Certificate(a.certPem).validTo).getUTCFullYear()).toBe(2054);
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(new X509Certificate(a.certPem).serialNumber).not.toBe(new X509Certificate(b.certPem).serialNumber);
  });
});

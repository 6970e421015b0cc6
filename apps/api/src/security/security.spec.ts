import { securityHeaders } from './security';

describe('securityHeaders', () => {
  it("takes helmet's headers once, in its order and case, with the service's Content-Security-Policy", () => {
    const headers = securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"] } } });
    expect(headers.map(([name]) => name)).toEqual([
      'Content-Security-Policy',
      'Cross-Origin-Opener-Policy',
      'Cross-Origin-Resource-Policy',
      'Origin-Agent-Cluster',
      'Referrer-Policy',
      'Strict-Transport-Security',
      'X-Content-Type-Options',
      'X-DNS-Prefetch-Control',
      'X-Download-Options',
      'X-Frame-Options',
      'X-Permitted-Cross-Domain-Policies',
      'X-XSS-Protection',
    ]);
    expect(Object.fromEntries(headers)).toMatchObject({ 'X-Frame-Options': 'SAMEORIGIN', 'X-XSS-Protection': '0' });
  });

  it('refuses options helmet refuses', () => {
    expect(() => securityHeaders({ contentSecurityPolicy: { directives: { 'bad directive': ['x'] } } })).toThrow();
  });
});

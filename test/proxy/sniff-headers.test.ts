import { describe, expect, it } from 'vitest';
import { parseConnectLine } from '../../src/proxy/sniff.ts';
import { stripHopByHop, upstreamHeaders } from '../../src/http/headers.ts';
import { isPrivateAddress } from '../../src/proxy/passthrough.ts';

describe('CONNECT request line', () => {
  it('parses host and port, lowercasing the host', () => {
    expect(parseConnectLine('CONNECT API.Stripe.com:443 HTTP/1.1\r\nHost: x')).toEqual({ host: 'api.stripe.com', port: 443 });
    expect(parseConnectLine('CONNECT [::1]:8443 HTTP/1.1')).toEqual({ host: '::1', port: 8443 });
  });
  it('refuses anything else', () => {
    for (const bad of [
      'CONNECT api.stripe.com HTTP/1.1',
      'CONNECT api.stripe.com:0 HTTP/1.1',
      'CONNECT a:99999 HTTP/1.1',
      'GET / HTTP/1.1',
      'CONNECT a:443 HTTP/2',
    ]) {
      expect(parseConnectLine(bad)).toBeUndefined();
    }
  });
});

describe('proxy headers', () => {
  it('drops hop-by-hop headers and those named by Connection', () => {
    const out = stripHopByHop({
      connection: 'keep-alive, x-secret-hop',
      'keep-alive': '5',
      'x-secret-hop': '1',
      'transfer-encoding': 'chunked',
      accept: 'application/json',
    });
    expect(out).toEqual({ accept: 'application/json' });
  });
  it('never forwards the run-id header, framing or accept-encoding, and sets Host to the vendor', () => {
    const out = upstreamHeaders(
      {
        host: 'api.stripe.com:17001',
        'x-keybrake-run-id': 'run-1',
        'content-length': '10',
        'accept-encoding': 'gzip',
        expect: '100-continue',
        'stripe-version': 'v',
      },
      'api.stripe.com',
    );
    expect(out).toEqual({ host: 'api.stripe.com', 'stripe-version': 'v' });
  });
});

describe('SSRF address check', () => {
  it('flags private, loopback, link-local and mapped addresses', () => {
    for (const a of ['10.1.2.3', '127.0.0.1', '169.254.169.254', '172.20.0.1', '192.168.1.1', '::1', 'fe80::1', 'fd00::1', '::ffff:127.0.0.1', '0.0.0.0']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
  });
  it('lets public addresses through', () => {
    for (const a of ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });
});

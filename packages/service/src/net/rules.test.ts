import { describe, expect, it } from 'vitest';
import { assertSafeUrl } from './rules.ts';
import { assertResolvesSafely, createSafeLookup, safeLookup } from './lookup.ts';
import { UnsafeUrlError } from './errors.ts';

function refusal(fn: () => unknown): UnsafeUrlError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UnsafeUrlError);
    return error as UnsafeUrlError;
  }
  throw new Error('expected a refusal');
}

describe('assertSafeUrl', () => {
  it('accepts public http and https URLs', () => {
    expect(assertSafeUrl('https://example.com/hook?x=1').hostname).toBe('example.com');
    expect(assertSafeUrl('http://8.8.8.8:8080/').port).toBe('8080');
  });

  it.each(['ftp://example.com/file', 'file:///etc/passwd', 'gopher://example.com/', 'javascript:alert(1)'])('refuses the scheme of %s', (url) => {
    const error = refusal(() => assertSafeUrl(url));
    expect(error.reason).toBe('scheme');
    expect(error.message).toMatch(/Only http and https/);
  });

  it('refuses text that is not an absolute URL', () => {
    expect(refusal(() => assertSafeUrl('/relative/path')).reason).toBe('invalid_url');
  });

  it.each([
    ['http://127.0.0.1:9000/', 'loopback'],
    ['http://2130706433/', 'loopback'], // decimal spelling of 127.0.0.1
    ['http://0x7f.1/', 'loopback'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:127.0.0.1]/', 'loopback'],
    ['http://[::ffff:7f00:1]/', 'loopback'],
    ['http://10.0.0.5/', 'private'],
    ['http://172.20.1.1/', 'private'],
    ['http://192.168.1.1/', 'private'],
    ['http://[fc00::5]/', 'private'],
    ['http://169.254.10.10/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://169.254.169.254/latest/meta-data/', 'metadata'],
    ['http://[fd00:ec2::254]/', 'metadata'],
    ['http://0.0.0.0:8080/', 'unspecified'],
    ['http://100.100.100.200/', 'cgnat'],
    ['http://localhost:8080/', 'loopback'],
    ['http://LOCALHOST./', 'loopback'],
    ['http://api.localhost/', 'loopback'],
  ])('refuses %s (%s)', (url, reason) => {
    const error = refusal(() => assertSafeUrl(url));
    expect(error.reason).toBe(reason);
    expect(error.message).toMatch(/ALLOW_PRIVATE_URLS=true/);
  });

  it('lets internal addresses through when private URLs are allowed, but never other schemes', () => {
    expect(assertSafeUrl('http://127.0.0.1:9000/', { allowPrivate: true }).port).toBe('9000');
    expect(assertSafeUrl('http://localhost/', { allowPrivate: true }).hostname).toBe('localhost');
    expect(refusal(() => assertSafeUrl('file:///etc/passwd', { allowPrivate: true })).reason).toBe('scheme');
  });
});

describe('safeLookup', () => {
  it('refuses a hostname that resolves to 127.0.0.1, in both lookup shapes', async () => {
    for (const all of [true, false]) {
      const error = await new Promise<unknown>((resolve) => safeLookup('localhost', { all }, (e) => resolve(e)));
      expect(error).toBeInstanceOf(UnsafeUrlError);
      expect((error as UnsafeUrlError).message).toMatch(/localhost resolves to 127\.0\.0\.1, .*loopback/);
    }
  });

  it('returns the addresses when internal ones are allowed', async () => {
    const lookup = createSafeLookup({ allowPrivate: true });
    const single = await new Promise<[unknown, unknown, unknown]>((resolve) =>
      lookup('localhost', { family: 4 }, (e, address, family) => resolve([e, address, family])),
    );
    expect(single).toEqual([null, '127.0.0.1', 4]);
    const all = await new Promise<unknown>((resolve) => lookup('localhost', { all: true, family: 4 }, (_e, addresses) => resolve(addresses)));
    expect(all).toEqual([{ address: '127.0.0.1', family: 4 }]);
  });

  it('assertResolvesSafely checks a name ahead of time', async () => {
    await expect(assertResolvesSafely('localhost')).rejects.toBeInstanceOf(UnsafeUrlError);
    await expect(assertResolvesSafely('localhost', { allowPrivate: true })).resolves.toBeUndefined();
  });
});

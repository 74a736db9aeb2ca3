// The submit-time rule for notify_url, as a table: the address policy of URL inputs, and no
// notify_url at all on a server that could not sign the POST. (The end-to-end refusal through
// REST and MCP is in tests/http/notify.test.ts.)
import { describe, expect, it } from 'vitest';
import { checkNotifyUrl } from '../../src/jobs/notify-url.js';
import { NotifyUrl } from '../../src/jobs/job-model.js';
import { signNotification } from '../../src/jobs/notify-signature.js';
import { caught, inputInvalid } from '../inputs/expect-error.js';

const SECRET = 'a-notify-secret-of-at-least-32-characters';
const HINT = 'a private or local address; only public addresses may be fetched (set BIO_QUEUE_ALLOW_PRIVATE_URLS=true to allow others)';

describe('checkNotifyUrl', () => {
  it('accepts a public http(s) URL when a secret is set', () => {
    expect(() => checkNotifyUrl('https://hooks.example.org/bioq?lab=1', { allowPrivateUrls: false, notifySecret: SECRET })).not.toThrow();
    expect(() => checkNotifyUrl('http://93.184.215.14/hook', { allowPrivateUrls: false, notifySecret: SECRET })).not.toThrow();
  });

  it.each([
    ['http://127.0.0.1:8080/hook', '127.0.0.1'],
    ['http://10.1.2.3/hook', '10.1.2.3'],
    ['http://169.254.169.254/latest/meta-data', '169.254.169.254'],
    ['http://[::1]/hook', '::1'],
    ['https://[fe80::1]/hook', 'fe80::1'],
  ])('refuses %s, naming notify_url, as a URL input is refused', (url, host) => {
    expect(caught(() => checkNotifyUrl(url, { allowPrivateUrls: false, notifySecret: SECRET }))).toMatchObject(
      inputInvalid(`notify_url: ${JSON.stringify(url)} points to ${host}, ${HINT}`),
    );
  });

  it('lets private addresses through where BIO_QUEUE_ALLOW_PRIVATE_URLS allows them for inputs', () => {
    expect(() => checkNotifyUrl('http://127.0.0.1:8080/hook', { allowPrivateUrls: true, notifySecret: SECRET })).not.toThrow();
  });

  it('refuses credentials in the URL and other schemes', () => {
    expect(caught(() => checkNotifyUrl('https://user:pw@hooks.example.org/', { allowPrivateUrls: false, notifySecret: SECRET }))).toMatchObject(
      inputInvalid('notify_url: the URL carries a user name or password, which is not accepted'),
    );
    expect(caught(() => checkNotifyUrl('ftp://hooks.example.org/', { allowPrivateUrls: false, notifySecret: SECRET }))).toMatchObject(
      inputInvalid('notify_url: "ftp://hooks.example.org/": only http:// and https:// URLs are accepted'),
    );
  });

  it('refuses any notify_url on a server without BIO_QUEUE_NOTIFY_SECRET', () => {
    expect(caught(() => checkNotifyUrl('https://hooks.example.org/', { allowPrivateUrls: false, notifySecret: undefined }))).toMatchObject(
      inputInvalid('notify_url: notifications are off on this server (BIO_QUEUE_NOTIFY_SECRET, which signs them, is not set)'),
    );
  });
});

describe('NotifyUrl (the schema adapters add to every submission)', () => {
  it('takes http(s) URLs and leaves it optional', () => {
    expect(NotifyUrl.parse(undefined)).toBeUndefined();
    expect(NotifyUrl.parse('https://hooks.example.org/x')).toBe('https://hooks.example.org/x');
  });

  it.each(['hooks.example.org', 'mailto:a@b.org', 'file:///etc/passwd', ''])('refuses %j with one message', (value) => {
    const result = NotifyUrl.safeParse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message)).toEqual(['expected an http:// or https:// URL']);
  });
});

describe('signNotification', () => {
  // Pinned from `printf '%s' '1764615741.<body>' | openssl dgst -sha256 -hmac <secret>`, so the
  // scheme cannot drift from what any other HMAC-SHA256 computes.
  it('is the hex HMAC-SHA256 of "<t>.<body>" (a known answer from openssl)', () => {
    const body = '{"job_id":"blast-0123456789abcdef","status":"completed"}';
    expect(signNotification(SECRET, body, 1764615741)).toBe('t=1764615741,v1=e5f2907fff4888f156340efc8c6cdd9134ce5d14dde5d557873d4b21299e14c0');
  });
});

// The submit-time rule for notify_url: the same address policy as a URL input (a literal
// private, loopback or link-local address is refused here; every DNS answer is checked again
// when the notification is sent, notify-post.ts), and a server that can sign what it sends.
import type { Config } from '../config.js';
import { inputError } from '../errors.js';
import { addressPolicy, parseFetchableUrl } from '../inputs/fetch-url.js';

export const NOTIFY_FIELD = 'notify_url';

/** Throws input_invalid naming notify_url when the server may not or cannot notify this URL. */
export function checkNotifyUrl(url: string, config: Pick<Config, 'allowPrivateUrls' | 'notifySecret'>): void {
  parseFetchableUrl(NOTIFY_FIELD, url, addressPolicy(config.allowPrivateUrls));
  // Refused rather than sent unsigned: a receiver could not tell our POST from anyone's.
  if (config.notifySecret === undefined) {
    throw inputError(NOTIFY_FIELD, 'notifications are off on this server (BIO_QUEUE_NOTIFY_SECRET, which signs them, is not set)');
  }
}

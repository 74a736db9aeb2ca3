// The signature of a job notification, as Stripe and GitHub sign webhooks: an HMAC-SHA256 over
// the send time and the exact body, so a receiver can check who sent it, that the body is the
// one signed, and (from t) that it is not an old POST played again. The README's
// "Notifications" section shows the receiver's side of this and the tests verify with it.
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Bio-Queue-Signature';

/** The header value: "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">". */
export function signNotification(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

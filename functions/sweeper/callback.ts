import { createHmac } from 'node:crypto';
import type { Channel } from '../core/delivery';
import { MAX_ATTEMPTS } from '../core/delivery';
import { batchView } from '../core/view';

/**
 * Callback signature: `X-Ecs-Batch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * The receiver recomputes it over the raw body, compares in constant time and rejects old timestamps.
 */
export function signCallback(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** The HTTP callback: the batch's public view as JSON, signed when a secret is configured (README "Callbacks"). */
export function callbackChannel(secret: string | undefined): Channel {
  return {
    key: 'callback',
    name: 'callback',
    maxAttempts: () => MAX_ATTEMPTS,
    logFields: () => ({}),
    render(b, d, now) {
      const body = JSON.stringify({ deliveryId: d.deliveryId, batch: batchView(b) });
      const headers: Record<string, string> = { 'x-ecs-batch-delivery': d.deliveryId };
      if (secret) headers['x-ecs-batch-signature'] = signCallback(secret, Math.floor(now / 1000), body);
      return { url: d.url, body, headers };
    },
  };
}

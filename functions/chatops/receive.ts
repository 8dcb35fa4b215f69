import type { ChatOpsConfig } from './config';
import * as dingtalk from './dingtalk';
import * as feishu from './feishu';
import * as slack from './slack';
import type { ParseResult, Platform, RawWebhook } from './types';
import { reject } from './webhook';

/** Verify, then decode: the first step of every webhook. */
export function receive(platform: Platform, raw: RawWebhook, config: ChatOpsConfig, nowMs: number): ParseResult {
  const options = { allowLoopbackReplies: config.allowLoopbackReplies === true };
  switch (platform) {
    case 'dingtalk': {
      if (!config.dingtalk) return reject('not_configured', 'DingTalk is not configured');
      const v = dingtalk.verify(raw, config.dingtalk.appSecrets, nowMs);
      return v.ok ? dingtalk.parse(raw, options) : v;
    }
    case 'slack': {
      if (!config.slack) return reject('not_configured', 'Slack is not configured');
      if (slack.isSslCheck(raw)) return { ok: true, kind: 'ignored', why: 'Slack ssl_check probe' };
      const v = slack.verify(raw, config.slack.signingSecrets, nowMs);
      return v.ok ? slack.parse(raw, options) : v;
    }
    case 'feishu': {
      if (!config.feishu) return reject('not_configured', 'Feishu is not configured');
      const v = feishu.verify(raw, config.feishu, nowMs);
      return v.ok ? feishu.parse(raw, config.feishu) : v;
    }
  }
}

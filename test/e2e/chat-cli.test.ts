import { createServer } from 'node:net';
import { runChat, type ChatOptions } from '../../scripts/chat';
import { startLocalStack, type LocalStack } from '../../scripts/local-stack';
import { ownBuildRoot } from '../support/build-root';

/**
 * `npm run chat` against the app as `npm start` runs it: the client signs each request as the platform
 * would, with the same local secrets that scripts/local-stack.ts gives the api, serves the reply webhook
 * itself, and waits for the final reply the sweeper's watch posts once the instances are Running.
 */
const TOKEN = 'e2e-token-0123456789';

const freePort = () =>
  new Promise<number>((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });

const buildRoot = ownBuildRoot();

describe('npm run chat against the local stack', () => {
  let stack: LocalStack;
  let feishuBot: string;
  beforeAll(async () => {
    feishuBot = `http://127.0.0.1:${await freePort()}/feishu-bot`;
    stack = await startLocalStack({ port: 0, token: TOKEN, bootSeconds: 1, timers: false, env: { FEISHU_BOT_WEBHOOK: feishuBot }, buildRoot });
  }, 60_000);
  afterAll(() => stack?.close());

  const chat = (platform: ChatOptions['platform'], text: string, settings: ChatOptions['settings'] = {}) => {
    const lines: string[] = [];
    return runChat({ platform, text, apiUrl: stack.apiUrl, waitSeconds: 15, settings: { feishuBotWebhook: feishuBot, ...settings }, print: (l) => lines.push(l) }).then((r) => ({ ...r, lines }));
  };

  it('gets the acknowledgement and then the final reply with the IPs, on DingTalk, Slack and Feishu', async () => {
    const results = await Promise.all([chat('dingtalk', 'scale-out demo 2 for 2h'), chat('slack', 'scale-out demo 2 for 2h'), chat('feishu', 'scale-out demo 2 for 2h')]);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.complete).toBe(true);
      expect(r.ack).toContain('Starting 2 instances of demo');
      const id = /b-[0-9a-f]{24}/.exec(r.ack!)![0];
      expect(r.final).toContain(`Batch ${id}: all 2 demo instances are Running`);
      expect(r.final).toMatch(/private \d+\.\d+\.\d+\.\d+ {2}public \d+\.\d+\.\d+\.\d+/);
      // Readable text, not the platform's JSON or markup.
      expect(r.final).not.toMatch(/[{}*#]/);
    }
    const [ding, slack, feishu] = results;
    expect(ding!.replies).toHaveLength(1);
    expect(slack!.replies).toHaveLength(1);
    expect(feishu!.replies).toHaveLength(2); // the acknowledgement also comes through the bot webhook
    expect(stack.ecsControl!.instances()).toHaveLength(6);
  }, 30_000);

  it('stops after the answer when no final reply is coming, and shows the ACL refusal', async () => {
    const help = await chat('slack', 'help');
    expect(help).toMatchObject({ status: 200, complete: true, replies: [] });
    expect(help.ack).toContain('Commands: scale-out, status, list, cancel, release, extend, help');
    const stranger = await chat('dingtalk', 'scale-out demo 1', { userId: 'someone-else', conversationId: 'another-room' });
    expect(stranger.complete).toBe(true);
    expect(stranger.ack).toContain("not on this bot's list");
    const forged = await chat('slack', 'list', { slackSigningSecret: 'not-the-local-secret' });
    expect(forged.status).toBe(401);
    expect(forged.complete).toBe(false);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryError, httpPoster } from '../../functions/cloud/webhook';

let server: Server;
let url: string;
const answers: Array<{ status: number; body: string }> = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    const a = answers.shift() ?? { status: 200, body: '' };
    res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret-in-url`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('httpPoster', () => {
  const post = httpPoster(2_000);

  it('delivers on a 2xx and fails on anything else, without echoing the URL or the answer', async () => {
    answers.push({ status: 204, body: '' });
    await expect(post(url, '{}', {})).resolves.toBeUndefined();
    answers.push({ status: 500, body: 'stack trace with secret-in-url' });
    const e = await post(url, '{}', {}).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeliveryError);
    expect(String((e as Error).message)).toBe('the receiver answered HTTP 500');
  });

  it('treats a chat platform\u2019s HTTP 200 with a non-zero code as a failed delivery when asked', async () => {
    answers.push({ status: 200, body: '{"errcode":310000,"errmsg":"keywords not in content"}' });
    await expect(post(url, '{}', {}, { platformCodes: true })).rejects.toThrow('code 310000');
    answers.push({ status: 200, body: '{"code":19021,"msg":"sign match fail"}' });
    await expect(post(url, '{}', {}, { platformCodes: true })).rejects.toThrow('code 19021');
    answers.push({ status: 200, body: '{"errcode":0,"errmsg":"ok"}' });
    await expect(post(url, '{}', {}, { platformCodes: true })).resolves.toBeUndefined();
    answers.push({ status: 200, body: 'ok' }); // Slack's response_url answers plain text
    await expect(post(url, '{}', {}, { platformCodes: true })).resolves.toBeUndefined();
    answers.push({ status: 200, body: '{"code":1}' }); // a callback receiver's body is its own business
    await expect(post(url, '{}', {})).resolves.toBeUndefined();
  });

  it('names a refused connection without the URL', async () => {
    const e = await post('http://127.0.0.1:1/x?token=secret-in-url', '{}', {}).catch((x: unknown) => x as Error);
    expect(e).toBeInstanceOf(DeliveryError);
    expect((e as Error).message).not.toContain('secret-in-url');
  });
});

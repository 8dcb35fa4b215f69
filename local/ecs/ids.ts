import { randomInt } from 'node:crypto';
import { seededRandom, type Random } from '../common/random';

const ALNUM = 'abcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789ABCDEF';

/** Identifiers shaped like the real service's, reproducible under a seed. */
export class IdSource {
  private readonly random: Random;

  constructor(seed: number = randomInt(2 ** 31)) {
    this.random = seededRandom(seed);
  }

  private pick(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  /** `i-` + 20 lowercase alphanumerics; real cn-hangzhou ids start with `bp`. */
  instanceId(): string {
    return 'i-bp' + this.pick(ALNUM, 18);
  }

  /** Upper-case UUID layout, as in `473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E`. */
  requestId(): string {
    return [8, 4, 4, 4, 12].map((n) => this.pick(HEX, n)).join('-');
  }

  orderId(): string {
    return String(1 + Math.floor(this.random() * 9)) + this.pick('0123456789', 14);
  }
}

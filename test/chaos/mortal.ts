/**
 * A simulated process for the chaos harness. Every port call of one invocation (an api request, a sweep,
 * a watch) goes through its Life; at a random call the process "dies", either just before the call
 * (e.g. between a store write and RunInstances) or just after it was applied (e.g. between RunInstances
 * and recording the ids). From then on every call of that invocation throws: a dead process has no more
 * side effects, which is exactly what a SIGKILL gives.
 */
export class Crash extends Error {
  override name = 'Crash';
}

export class Life {
  dead = false;
  constructor(
    private readonly random: () => number,
    /** Probability of dying at each port call. */
    private readonly p: number,
    readonly crashes: { count: number },
  ) {}

  private die(): never {
    this.dead = true;
    this.crashes.count++;
    throw new Crash('process killed');
  }

  async around<T>(call: () => Promise<T>): Promise<T> {
    if (this.dead) throw new Crash('process is dead');
    if (this.random() < this.p / 2) this.die();
    const result = await call();
    if (this.dead) throw new Crash('process is dead');
    if (this.random() < this.p / 2) this.die();
    return result;
  }
}

/** The same port, with every method call going through `life`. */
export function mortal<T extends object>(port: T, life: Life): T {
  return new Proxy(port, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => life.around(() => (v as (...a: unknown[]) => Promise<unknown>).apply(target, args));
    },
  });
}

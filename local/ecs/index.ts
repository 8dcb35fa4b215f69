import type { Server } from 'node:http';
import { randomInt } from 'node:crypto';
import { AdjustableClock, type Clock } from '../common/clock';
import { closeServer, listen } from '../common/http';
import { EcsControl } from './control';
import type { EventSink } from './events';
import { credentialMap, type EmulatorCredential } from './credentials';
import { EcsRuntime } from './runtime';
import { createEcsServer } from './server';
import { loadWorld, type WorldInput } from './world';

export { EcsControl, ControlError, type CreatedInstance } from './control';
export type { EmulatorCredential } from './credentials';
export type { FaultRule, FaultRuleInput } from './faults';
export { DEFAULT_WORLD, type World, type WorldInput } from './world';
export type { EcsCloudEvent, EventKnobs, EventSink } from './events';

export interface EcsEmulatorOptions {
  /** 0 (default) picks a free port. The emulator binds 127.0.0.1 only. */
  port?: number;
  /** Default: a new AdjustableClock, so `control.advanceClock` works. */
  clock?: Clock;
  /** From RunInstances to Running (40% Pending, 60% Starting). Default 5. */
  bootSeconds?: number;
  /** A world object or the path of a JSON file. Default: DEFAULT_WORLD. */
  world?: WorldInput | string;
  /** Extra AccessKey pairs (and STS tokens) besides `local` / `local-secret`. */
  credentials?: EmulatorCredential[];
  /** Makes ids and probabilistic faults reproducible. */
  seed?: number;
  /** Keep state in `<dataDir>/ecs-state.json` across restarts. Default: memory only. */
  dataDir?: string;
  /** Publish ECS events here (a function, or a URL taking one event per POST); see events.ts. Default: none. */
  eventSink?: EventSink | string;
  /** Where unexpected server failures are reported. Default: console.error. */
  log?: (line: string) => void;
}

export interface EcsEmulator {
  url: string;
  /** `127.0.0.1:<port>`, for the SDK's `Config.endpoint`. */
  endpoint: string;
  port: number;
  control: EcsControl;
  close(): Promise<void>;
}

export async function startEcsEmulator(options: EcsEmulatorOptions = {}): Promise<EcsEmulator> {
  const runtime = new EcsRuntime(loadWorld(options.world), options.clock ?? new AdjustableClock(), credentialMap(options.credentials), {
    bootSeconds: options.bootSeconds ?? 5,
    seed: options.seed ?? randomInt(2 ** 31),
    dataDir: options.dataDir,
  });
  const control = new EcsControl(runtime);
  if (options.eventSink !== undefined) runtime.events.setSink(options.eventSink);
  const server: Server = createEcsServer(runtime, control, options.log ?? ((line) => console.error(line)));
  const port = await listen(server, options.port ?? 0);
  return {
    url: `http://127.0.0.1:${port}`,
    endpoint: `127.0.0.1:${port}`,
    port,
    control,
    close: () => {
      runtime.events.close();
      return closeServer(server);
    },
  };
}

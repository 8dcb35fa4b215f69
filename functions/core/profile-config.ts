import { readFileSync } from 'node:fs';
import { ConfigError, parseProfiles, type Profiles } from './profile';

/**
 * Launch profiles from the environment, shared by the api (HTTP and chat) and the sweeper (schedules):
 * `LAUNCH_PROFILES` (JSON) or `LAUNCH_PROFILES_FILE` (a path to the same JSON). Unset means no profiles.
 */
export function loadProfiles(env: NodeJS.ProcessEnv): Profiles {
  if (env.LAUNCH_PROFILES) return parseProfiles(env.LAUNCH_PROFILES, 'LAUNCH_PROFILES');
  if (env.LAUNCH_PROFILES_FILE) {
    let text: string;
    try {
      text = readFileSync(env.LAUNCH_PROFILES_FILE, 'utf8');
    } catch {
      throw new ConfigError(`LAUNCH_PROFILES_FILE: cannot read ${env.LAUNCH_PROFILES_FILE}`);
    }
    return parseProfiles(text, 'LAUNCH_PROFILES_FILE');
  }
  return {};
}

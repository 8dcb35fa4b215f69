import { demoSpec, profiles } from '../support/profiles';

/** The emulator's default world as a profile and as a bare launch spec. */
export const demoProfile = profiles.demo;
export { demoSpec };

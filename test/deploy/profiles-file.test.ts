import { cpSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadProfiles } from '../../functions/cloud/env';
import { copyProfiles } from '../../scripts/build';

const ROOT = join(__dirname, '../..');

describe('a launch profiles file reaches FC inside each code folder', () => {
  it('is copied by the build into dist/<function>/ at its relative path, and read there by the function', () => {
    const project = mkdtempSync(join(tmpdir(), 'i11-profiles-'));
    mkdirSync(join(project, 'config'));
    cpSync(join(ROOT, 'local/profiles/demo.json'), join(project, 'config/profiles.json'));
    expect(copyProfiles('config/profiles.json', 'dist', project)).toEqual(['dist/api/config/profiles.json', 'dist/sweeper/config/profiles.json']);
    // What FC unpacks is only the code folder: the function finds the file relative to its own code.
    for (const fn of ['api', 'sweeper']) {
      const codeDir = join(project, 'dist', fn);
      expect(Object.keys(loadProfiles({ LAUNCH_PROFILES_FILE: 'config/profiles.json' }, codeDir))).toEqual(['demo']);
    }
    expect(readFileSync(join(project, 'dist/api/config/profiles.json'), 'utf8')).toBe(readFileSync(join(ROOT, 'local/profiles/demo.json'), 'utf8'));
  });

  it('refuses a file outside the project or missing, naming LAUNCH_PROFILES_FILE; an absolute path (local runs) is not copied', () => {
    const project = mkdtempSync(join(tmpdir(), 'i11-profiles-'));
    expect(() => copyProfiles('../elsewhere.json', 'dist', project)).toThrow(/LAUNCH_PROFILES_FILE: \.\.\/elsewhere\.json is outside the project folder/);
    expect(() => copyProfiles('missing.json', 'dist', project)).toThrow(/LAUNCH_PROFILES_FILE: missing\.json does not exist/);
    expect(copyProfiles(join(ROOT, 'local/profiles/demo.json'), 'dist', project)).toEqual([]);
    expect(copyProfiles(undefined, 'dist', project)).toEqual([]);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A folder of this test file's own to build the functions in (startLocalStack's `buildRoot`), removed after
 * its tests. End-to-end files run side by side, and one rebuilding dist/ under another's running stack
 * made that stack answer 502 or its code cache check fail.
 */
export function ownBuildRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-batch-build-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

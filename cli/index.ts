// `npm run cli -- <command>`: the ecs-batch CLI on this process. See README "The CLI".
import { run } from './main';

export function main(): void {
  run(process.argv.slice(2), {
    env: process.env,
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    tty: process.stderr.isTTY === true,
    stdoutTty: process.stdout.isTTY === true,
    now: Date.now,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      // Never a stack trace for the user: run() turns every expected failure into a message already.
      process.stderr.write(`ecs-batch: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) main();

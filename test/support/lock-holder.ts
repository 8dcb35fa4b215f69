// A process that takes the data-folder lock and holds it until it is killed (test/e2e/data-lock.test.ts).
// Prints one JSON line when it has the lock or was refused, and one more after checking it still has it.
import { lockDataDir } from '../../scripts/data-lock';

const dir = process.argv[2]!;
try {
  const lock = lockDataDir(dir);
  console.log(JSON.stringify({ ok: true, pid: process.pid }));
  setTimeout(() => {
    try {
      lock.verify();
      console.log(JSON.stringify({ verified: true }));
    } catch (e) {
      console.log(JSON.stringify({ verified: false, message: (e as Error).message }));
    }
  }, Number(process.argv[3] ?? 500));
  setInterval(() => undefined, 60_000);
} catch (e) {
  console.log(JSON.stringify({ ok: false, message: (e as Error).message }));
  process.exit(3);
}

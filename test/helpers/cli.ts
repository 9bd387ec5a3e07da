/** Running one CLI command in-process in tests, as cli/main.ts does (a UsageError becomes exit 2). */
import { EXIT_USAGE, memoryIo, UsageError, type Command } from '../../cli/io.js';

export async function runCommand(command: Command, argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const io = memoryIo();
  let code: number;
  try {
    code = await command.run(argv, io);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(e.message);
    code = EXIT_USAGE;
  }
  return { code, out: io.stdout, err: io.stderr };
}

/**
 * `pph tee probe`: which TEE runners work on this machine, and why the others do not. Each
 * runner is started for real: the enclave program boots behind its boundary, and the hardware
 * runners (sev-snp, tdx) must return a report bound to a probe REPORT_DATA through configfs-tsm.
 */
import { DEFAULT_CONFIGFS_ROOT } from '../../tee/configfs-tsm.js';
import { probeRunners } from '../../tee/runners.js';
import { EXIT_OK, parseFlags, UsageError, type CliIo, type Command } from '../io.js';

const USAGE = [
  'pph tee probe [--json]',
  '',
  'Starts each runner (in-process, worker, sev-snp, tdx), boots the enclave program in it and, for',
  'the hardware runners, asks configfs-tsm for a report; prints which work here and why the',
  'others do not. --json prints {configfsRoot, runners: [{name, ok, why}]}.',
  'The configfs mount point is $PPH_CONFIGFS_ROOT, default /sys/kernel/config.',
  '',
  'exit codes: 0 probed (whatever the answer), 2 bad usage',
].join('\n');

async function probe(argv: string[], io: CliIo): Promise<number> {
  const flags = parseFlags(argv, { json: { type: 'boolean' } });
  if (flags.positionals.length > 0) throw new UsageError(`unexpected argument '${flags.positionals[0]}'`);
  const configfsRoot = io.env.PPH_CONFIGFS_ROOT || DEFAULT_CONFIGFS_ROOT;
  const runners = await probeRunners({ configfsRoot });
  if (flags.bool('json')) {
    io.out(JSON.stringify({ configfsRoot, runners }, null, 2));
    return EXIT_OK;
  }
  const width = Math.max(...runners.map((r) => r.name.length));
  io.out(`${'runner'.padEnd(width)}  works  why`);
  for (const r of runners) io.out(`${r.name.padEnd(width)}  ${(r.ok ? 'yes' : 'no').padEnd(5)}  ${r.why}`);
  return EXIT_OK;
}

export const command: Command = {
  name: 'tee',
  summary: 'which TEE runners work on this machine, and why the others do not (pph tee probe)',
  usage: USAGE,
  async run(argv, io) {
    const [sub, ...rest] = argv;
    if (sub === 'probe') return probe(rest, io);
    throw new UsageError(sub === undefined ? 'missing subcommand (probe)' : `unknown subcommand '${sub}' (probe)`);
  },
};

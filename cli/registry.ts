/** The list of pph commands. Each loads on first use, so `pph --help` imports none of them. */
import type { Command } from './io.js';

export interface CommandEntry {
  summary: string;
  load: () => Promise<{ command: Command }>;
}

export const COMMANDS: Record<string, CommandEntry> = {};

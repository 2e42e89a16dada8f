import { ADMIN_COMMAND_NAMES, runAdminCommand } from './admin-commands.js'

/**
 * Administration commands (`bulwark tenant|app|secret|cert|permission|consent|user|role|group …`) that
 * talk to a running server's admin API (see docs/identity.md, "Administration").
 */
export interface AdminCommandRegistry {
  summary: string
  has(command: string): boolean
  run(command: string, args: string[]): Promise<number>
}

const commands = new Map<string, (args: string[]) => Promise<number>>(
  ADMIN_COMMAND_NAMES.map((name) => [name, (args: string[]) => runAdminCommand(name, args)]),
)

export const adminCommands: AdminCommandRegistry = {
  summary:
    'tenant|app|secret|cert|permission|consent|user|role|group   directory administration (see docs/identity.md)',
  has: (c) => commands.has(c),
  run: async (c, args) => commands.get(c)!(args),
}

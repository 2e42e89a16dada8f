/**
 * Administration commands (`bulwark tenant|app|secret|cert|permission|consent|user|role|group …`) that
 * talk to a running server's admin API. The identity work fills this registry; see src/cli/CONTEXT.md.
 */
export interface AdminCommandRegistry {
  summary: string
  has(command: string): boolean
  run(command: string, args: string[]): Promise<number>
}

const commands = new Map<string, (args: string[]) => Promise<number>>()

export const adminCommands: AdminCommandRegistry = {
  summary:
    'tenant|app|secret|cert|permission|consent|user|role|group   directory administration (see docs/cli.md)',
  has: (c) => commands.has(c),
  run: async (c, args) => commands.get(c)!(args),
}

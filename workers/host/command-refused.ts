/**
 * A command the workspace will not carry out; the message says why, in words.
 * Its own module: the command texts the PWA's shell and the palette import
 * (trade-commands, agent-mode) need this class, not the engine behind
 * apply-command.ts, so the shell stays small.
 */
export class CommandRefused extends Error {}

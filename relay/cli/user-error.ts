/** A refusal the CLI prints as is (no stack trace): the user's input was wrong, not the program. */
export class UserError extends Error {}

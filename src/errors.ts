/** A problem with what the user asked for, said plainly (the CLI prints it without a stack trace, exit 2). */
export class UsageError extends Error {}

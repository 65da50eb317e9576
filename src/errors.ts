/** A problem with what the user asked for, said plainly (the CLI prints it without a stack trace, exit 2). */
export class UsageError extends Error {}

/**
 * A failure the user should read as one line, not a stack trace (exit 1): the input cannot be read, the
 * sweep cannot finish. Database failures have their own class, StoreError.
 */
export class SweepError extends Error {}

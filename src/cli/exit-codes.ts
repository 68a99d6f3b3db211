/** A command that failed at run time (a missing topic, a locked directory, bad input data). */
export const EXIT_FAILURE = 1
/** A command given wrong flags or arguments. */
export const EXIT_USAGE = 2

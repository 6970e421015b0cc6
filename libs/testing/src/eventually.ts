export interface EventuallyOptions {
  /** How long to keep looking before the test fails. */
  readonly withinMs?: number;
  /** How long to wait between two looks. */
  readonly everyMs?: number;
}

/**
 * Waits until `check` holds, looking again every `everyMs`; throws, naming `what`, once
 * `withinMs` have passed without it. A guard against a test that hangs, not a timing assertion.
 */
export async function eventually(
  what: string,
  check: () => boolean | Promise<boolean>,
  { withinMs = 10_000, everyMs = 50 }: EventuallyOptions = {},
): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Gave up after ${withinMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

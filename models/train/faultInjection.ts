// Fault-injection hooks for the reliability tests, read from the environment
// and off unless set. They let a test hit a narrow window deterministically
// (kill -9 between a checkpoint's temp file and its rename) or make one step's
// loss non-finite, which real training does only by bad luck.
//
//   T2I_TEST_PAUSE_IN_CHECKPOINT_WRITE=<ms>[:<step>]  after a checkpoint's temp
//       file (of any step, or only of <step>) is written and fsynced, print
//       "T2I_TEST checkpoint-temp-written <file>" to stderr and sleep <ms> before
//       the rename.
//   T2I_TEST_POISON_LOSS=<step>[*][:nan|inf|-inf]   report the first loss of
//       training step <step> as NaN (or +/-Infinity), the first time that step
//       runs in this process (with "*", every time: after each NaN-guard
//       rollback too).

/** Blocks the thread: the pause must hold the process inside the synchronous write. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The hook run between the temp write and the rename of step's checkpoint; undefined when off. */
export function checkpointWritePause(step: number): ((tmpFile: string) => void) | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(process.env.T2I_TEST_PAUSE_IN_CHECKPOINT_WRITE ?? '');
  if (!m || (m[2] !== undefined && Number(m[2]) !== step)) return undefined;
  const ms = Number(m[1]);
  return (tmpFile) => {
    process.stderr.write(`T2I_TEST checkpoint-temp-written ${tmpFile}\n`);
    sleepSync(ms);
  };
}

/** Returns a function that poisons the losses of the configured step; identity when off. */
export function lossPoisoner(): (step: number, losses: Record<string, number>) => Record<string, number> {
  const m = /^(\d+)(\*?)(?::(nan|inf|-inf))?$/.exec(process.env.T2I_TEST_POISON_LOSS ?? '');
  if (!m) return (_step, losses) => losses;
  const at = Number(m[1]);
  const always = m[2] === '*';
  const value = m[3] === 'inf' ? Infinity : m[3] === '-inf' ? -Infinity : NaN;
  let done = false;
  return (step, losses) => {
    if (step !== at || (done && !always)) return losses;
    done = true;
    const [first] = Object.keys(losses);
    return first === undefined ? losses : { ...losses, [first]: value };
  };
}

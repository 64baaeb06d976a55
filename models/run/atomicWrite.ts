// Atomic file replacement: write a temp file beside the target, fsync it, then
// rename over the target and fsync the folder. A crash at any moment leaves
// either the old file or the new one, never a torn mix; a failed write (disk
// full) removes its temp file and leaves the old file as it was.
import fs from 'node:fs';
import path from 'node:path';

/** Makes a rename durable on power loss; not possible (nor needed) everywhere, e.g. Windows. */
function fsyncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** `beforeRename` runs once the temp file is complete (a test hook: see models/train/faultInjection.ts). */
export function writeFileAtomic(file: string, data: string | Uint8Array, beforeRename?: (tmpFile: string) => void): void {
  const dir = path.dirname(file);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      fs.writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    beforeRename?.(tmp);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    // Node's messages for write errors (ENOSPC) do not name the file.
    if (!err.message.includes(file)) err.message = `${file}: not written: ${err.message}`;
    throw err;
  }
  fsyncDir(dir);
}

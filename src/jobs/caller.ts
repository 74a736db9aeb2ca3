// Who is asking. Every JobService read and write is scoped by it, so no adapter can forget the
// ownership rule: a caller sees only its own jobs unless it is an admin.
import { LOCAL_OWNER } from '../config.js';

export interface Caller {
  /** Recorded with every job it submits: an API key's name, or "local" for stdio. */
  owner: string;
  /** Sees and cancels every job. */
  admin: boolean;
  /** Came over the network: submissions are rate-limited. */
  remote: boolean;
}

/** The stdio user: trusted and local, but still sees only the jobs submitted as "local". */
export const LOCAL_CALLER: Caller = Object.freeze({ owner: LOCAL_OWNER, admin: false, remote: false });

export function canSee(caller: Caller, owner: string): boolean {
  return caller.admin || caller.owner === owner;
}

import type { UserRole } from './domain.js';

/** Who is calling. Dialects build it from their credentials and pass it to the core. */
export interface Actor {
  readonly userId: number;
  readonly role: UserRole;
  /** Id of the token used, when the call came with one. */
  readonly tokenId?: number;
  /** The token is read-only: the core refuses every write (core/guard/guard.ts). */
  readonly readOnly?: boolean;
}


import type { MemberRole } from './domain.js';

/**
 * Rights are a bit mask. The drive spec's bits keep their values; Kura adds the ones the
 * spec does not name. docs/architecture.md has the table.
 */
export const Right = {
  READ_ATTRS: 1,
  LIST: 2,
  READ_CONTENT: 4,
  CREATE: 8,
  DELETE: 16,
  SHARE: 32,
  EDIT_BASIC: 256,
  EDIT_EXTENDED: 512,
  EDIT_PERMISSIONS: 1024,
} as const;

export const ALL_RIGHTS = Object.values(Right).reduce((a, b) => a | b, 0);

const VIEWER = Right.READ_ATTRS | Right.LIST | Right.READ_CONTENT;

/** The base mask a space role gives on every item of the space. */
export const ROLE_RIGHTS: Record<MemberRole, number> = {
  owner: ALL_RIGHTS,
  admin: ALL_RIGHTS,
  member: ALL_RIGHTS & ~Right.EDIT_PERMISSIONS,
  viewer: VIEWER,
};

export const has = (mask: number, right: number): boolean => (mask & right) === right;

/** Roles that may manage members and settings of a space. */
export const canManageSpace = (role: MemberRole | undefined): boolean => role === 'owner' || role === 'admin';

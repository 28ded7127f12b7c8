import type { UserRole } from '../../domain.js';

export interface UserRow {
  id: number;
  username: string;
  real_name: string;
  email: string;
  phone: string;
  password_hash: string;
  role: UserRole;
  created_at: number;
}

export interface UserRepo {
  insert(row: UserRow): Promise<void>;
  byId(id: number): Promise<UserRow | undefined>;
  /** Usernames compare ignoring case. */
  byName(username: string): Promise<UserRow | undefined>;
  byIds(ids: number[]): Promise<UserRow[]>;
  list(): Promise<UserRow[]>;
  /** Whether at least one user exists (one indexed row read, whatever the number of users). */
  any(): Promise<boolean>;
  setPasswordHash(id: number, hash: string): Promise<boolean>;
  delete(id: number): Promise<void>;
}

export interface TokenRow {
  id: number;
  user_id: number;
  label: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  /** 1: the token's callers may only read (the core refuses their writes). */
  read_only: number;
}

export type TokenInfoRow = Omit<TokenRow, 'token_hash'>;

export interface TokenWithUser {
  token_id: number;
  expires_at: number | null;
  last_used_at: number | null;
  user_id: number;
  role: UserRole;
  read_only: number;
}

export interface TokenRepo {
  insert(row: TokenRow): Promise<void>;
  /** The token with this hash together with its user's id and role. */
  withUser(tokenHash: string): Promise<TokenWithUser | undefined>;
  ofUser(userId: number): Promise<TokenInfoRow[]>;
  byId(id: number): Promise<TokenInfoRow | undefined>;
  /** Deletes every token of a user; how many there were. */
  deleteOfUser(userId: number): Promise<number>;
  delete(id: number): Promise<boolean>;
  touch(id: number, at: number): Promise<void>;
}

/** Secrets shared by every node (e.g. the key that signs download links). */
export interface SecretRepo {
  get(name: string): Promise<string | undefined>;
  /** Stores `value` under `name` unless a value is there already (the first writer wins). */
  putIfAbsent(name: string, value: string, at: number): Promise<void>;
}

// Types of mixed-load.mjs for the TypeScript tests that drive it.
export interface LoadFile {
  seed: string;
  size: number;
  name: string;
  folder: number;
  state: 'live' | 'trashed' | 'purged' | 'uncertain';
  worker: number;
}
export interface LoadFailure {
  kind: string;
  what: string;
  status?: number;
  body?: string;
}
export interface LoadStats {
  byKind: Record<string, { count: number; ms: number[] }>;
  failures: LoadFailure[];
  interrupted: number;
  served: Record<string, number>;
}
export interface LoadResult {
  stats: LoadStats;
  files: Map<number, LoadFile>;
  uncertain: Map<string, { seed: string; size: number }>;
  folders: [number, number][];
  resumables: { nodes: Set<string>; resumed: boolean }[];
  tag: string;
  /** How long the workers ran (the first round of every kind may outlast the deadline). */
  seconds: number;
}
export interface LoadOptions {
  base: string;
  token: string;
  rootId: number;
  spaceId: number;
  seconds: number;
  workers?: number;
  maxSize?: number;
  tag?: string;
  strict?: boolean;
}
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  ms: number;
}
export const KINDS: Record<string, number>;
export function content(seed: string, size: number): Buffer;
export function sha256(b: Buffer | Uint8Array): string;
export function quantile(values: number[], p: number): number;
export function call(base: string, method: string, path: string, opts?: { headers?: Record<string, string>; body?: Buffer; timeoutMs?: number }): Promise<Reply>;
export function mixedLoad(opts: LoadOptions): Promise<LoadResult>;

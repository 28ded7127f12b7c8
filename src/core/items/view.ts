import { categoryOf, type Category } from '../domain.js';
import type { ItemRow } from '../ports/index.js';

/** An item as every dialect receives it from the core. */
export interface Item {
  id: number;
  spaceId: number;
  parentId: number | null;
  name: string;
  kind: 'file' | 'folder';
  system: boolean;
  description: string;
  customTag: string;
  properties: Record<string, unknown>;
  size: number;
  mime: string | null;
  /** Usage category of the content (null for folders). */
  category: Category | null;
  /** Current version number (0 for folders). */
  version: number;
  /** SHA-256 of the current content (null for folders). */
  sha256: string | null;
  createdBy: number;
  createdAt: number;
  modifiedBy: number;
  modifiedAt: number;
  downloadCount: number;
  /** Anyone may read the file by id without a credential (where its space's public links are on). */
  public: boolean;
  expiresAt: number | null;
  trashedAt: number | null;
}

function parseProperties(text: string): Record<string, unknown> {
  if (text === '{}') return {};
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toItem(r: Omit<ItemRow, 'trash_root' | 'category'>): Item {
  return {
    id: Number(r.id),
    spaceId: Number(r.space_id),
    parentId: r.parent_id === null ? null : Number(r.parent_id),
    name: r.name,
    kind: r.kind,
    system: Number(r.system) === 1,
    description: r.description,
    customTag: r.custom_tag,
    properties: parseProperties(r.properties),
    size: Number(r.size),
    mime: r.mime,
    category: r.kind === 'file' ? categoryOf(r.mime) : null,
    version: Number(r.version),
    sha256: r.blob_hash,
    createdBy: Number(r.created_by),
    createdAt: Number(r.created_at),
    modifiedBy: Number(r.modified_by),
    modifiedAt: Number(r.modified_at),
    downloadCount: Number(r.download_count),
    public: Number(r.public_read) === 1,
    expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    trashedAt: r.trashed_at === null ? null : Number(r.trashed_at),
  };
}

export interface Version {
  number: number;
  size: number;
  mime: string;
  sha256: string;
  createdBy: number;
  createdAt: number;
}

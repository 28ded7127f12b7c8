import type { CoreConfig } from './core-config.js';
import type { FaultPoint } from './faults.js';
import type { BlobStore, ImageEngine, MetadataStore, SourceOpener } from './ports/index.js';

/** The ports a core service may use. Each service takes only what it needs from it. */
export interface CoreContext {
  readonly config: CoreConfig;
  readonly store: MetadataStore;
  readonly blobs: BlobStore;
  readonly images: ImageEngine;
  /** Bytes a client names instead of sending them (URLs, local paths, base64). */
  readonly sources: SourceOpener;
  readonly now: () => number;
  /** Reached at each fault point; stops the process there when a test asked for it. */
  readonly fault: (point: FaultPoint) => void;
}

import type { CoreConfig } from './config.js';
import type { FaultPoint } from './faults.js';
import type { BlobStore, ImageEngine, MetadataStore } from './ports/index.js';

/** The ports a core service may use. Each service takes only what it needs from it. */
export interface CoreContext {
  readonly config: CoreConfig;
  readonly store: MetadataStore;
  readonly blobs: BlobStore;
  readonly images: ImageEngine;
  readonly now: () => number;
  /** Reached at each fault point; stops the process there when a test asked for it. */
  readonly fault: (point: FaultPoint) => void;
}

// How content services hand blobs whose download failed to the uri_retry service of the same input
// instance (one process). A content service keeps a failed blob in its own checkpoint until uri_retry
// has saved it in its own, so a crash between the two loses nothing.
import type { FailedContent } from './state.ts';
import type { RecordDedup } from './record-dedup.ts';

export interface FailedBlob extends FailedContent {
  contentType: string;
}

export interface ContentOwner {
  readonly dedup: RecordDedup;
  tagOf(record: Record<string, unknown>): string;
}

export class RetryHub {
  /** Set while a uri_retry service runs for this input instance. */
  retrying = false;
  readonly #owners = new Map<string, ContentOwner>();
  readonly #queue = new Map<string, FailedBlob>();
  readonly #adopted = new Set<string>();

  register(contentType: string, owner: ContentOwner): void {
    this.#owners.set(contentType, owner);
  }

  owner(contentType: string): ContentOwner | undefined {
    return this.#owners.get(contentType);
  }

  hand(blob: FailedBlob): void {
    if (!this.#adopted.has(blob.contentId)) this.#queue.set(blob.contentId, blob);
  }

  /** The blobs handed over and not yet adopted. */
  queued(): FailedBlob[] {
    return [...this.#queue.values()];
  }

  /** uri_retry has saved these in its checkpoint: their owners may drop them from theirs. */
  adopted(ids: Iterable<string>): void {
    for (const id of ids) {
      this.#adopted.add(id);
      this.#queue.delete(id);
    }
  }

  /** The failed blobs an owner must still keep in its checkpoint. */
  unadopted(contentType: string): FailedContent[] {
    return [...this.#queue.values()]
      .filter((b) => b.contentType === contentType)
      .map(({ contentType: _t, ...rest }) => rest);
  }
}

const hubs = new Map<string, RetryHub>();

/** The hub of one input instance, shared by its services. */
export function retryHub(inputName: string, inputId: string): RetryHub {
  const key = `${inputName}\u0000${inputId}`;
  let hub = hubs.get(key);
  if (hub === undefined) {
    hub = new RetryHub();
    hubs.set(key, hub);
  }
  return hub;
}

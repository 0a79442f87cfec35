// `/subscriptions/content`: the window rules (both times or neither, ≤ 24 h apart, start ≤ 7 days back,
// start before end) and paging by an absolute URL in the `NextPageUri` header carrying `nextPage=`.

import { createHmac } from 'node:crypto';
import type { ContentType } from './audit-records.ts';
import { CONTENT_RETENTION_MS, type ContentBlob } from './content-store.ts';
import { feedErrors } from './feed-errors.ts';

const DAY = 86_400_000;
// YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS; RFC 3339 with fraction and Z is accepted too.
const TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,7})?)?)?Z?$/;

export function parseFeedTime(name: string, value: string): number {
  const m = TIME.exec(value);
  if (m === null) throw feedErrors.badTime(name, value);
  const [, y, mo, d, h = '00', mi = '00', s = '00'] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (Number.isNaN(ms)) throw feedErrors.badTime(name, value);
  return ms;
}

export interface ContentWindow {
  readonly start: number;
  readonly end: number;
}

/** The window a listing asks for, or the error the service gives for it. */
export function contentWindow(params: URLSearchParams, now: number): ContentWindow {
  const startText = params.get('startTime');
  const endText = params.get('endTime');
  if (startText === null && endText === null) return { start: now - DAY, end: now };
  if (startText === null || endText === null) throw feedErrors.window();
  const start = parseFeedTime('startTime', startText);
  const end = parseFeedTime('endTime', endText);
  if (start >= end) throw feedErrors.windowOrder();
  if (end - start > DAY) throw feedErrors.window();
  if (start < now - CONTENT_RETENTION_MS) throw feedErrors.windowOrder();
  return { start, end };
}

/** Opaque page token bound to its window, so a token from another listing is refused (AF20031). */
export class PageTokens {
  readonly #key: string;

  constructor(key: string) {
    this.#key = key;
  }

  #mac(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url').slice(0, 16);
  }

  issue(contentType: ContentType, window: ContentWindow, offset: number): string {
    const body = `${offset.toString(36)}.${window.start.toString(36)}.${window.end.toString(36)}`;
    return `${body}.${this.#mac(`${contentType}|${body}`)}`;
  }

  offset(token: string, contentType: ContentType, window: ContentWindow): number {
    const [offset, start, end, mac] = token.split('.');
    const body = `${offset}.${start}.${end}`;
    if (
      mac !== this.#mac(`${contentType}|${body}`) ||
      parseInt(start ?? '', 36) !== window.start ||
      parseInt(end ?? '', 36) !== window.end
    )
      throw feedErrors.badNextPage(token);
    return parseInt(offset ?? '', 36);
  }
}

export interface BlobDescriptor {
  contentType: ContentType;
  contentId: string;
  contentUri: string;
  contentCreated: string;
  contentExpiration: string;
}

export function descriptor(blob: ContentBlob, feedUrl: string): BlobDescriptor {
  return {
    contentType: blob.contentType,
    contentId: blob.contentId,
    contentUri: `${feedUrl}/audit/${blob.contentId}`,
    contentCreated: new Date(blob.contentCreated).toISOString(),
    contentExpiration: new Date(blob.contentCreated + CONTENT_RETENTION_MS).toISOString(),
  };
}

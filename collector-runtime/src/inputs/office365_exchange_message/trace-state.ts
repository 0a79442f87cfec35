// The checkpoint of office365_exchange_message_service: everything received before the watermark is
// delivered, and the keys (trace id | recipient | status) delivered in the re-read window, with times.
export const TRACE_STATE_VERSION = 1;

export interface TraceState {
  /** ISO 8601; absent before the first whole window is delivered. */
  last_event_time_in_utc?: string;
  last_ids: [string, number][];
}

// Management Activity API error replies: `{"error":{"code":"AF…","message":"…"}}` (docs/sources/office365-management-activity.md), thrown by
// handlers and turned into a response in one place.

export class FeedError extends Error {
  override readonly name = 'FeedError';
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }

  body(): object {
    return { error: { code: this.code, message: this.message } };
  }
}

const WINDOW_RULE =
  'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time no more than 7 days in the past.';

export const feedErrors = {
  badContentType: (value: string) =>
    new FeedError(400, 'AF20020', `The specified content type is not valid: ${value}.`),
  noSubscription: () =>
    new FeedError(400, 'AF20022', 'No subscription found for the specified content type.'),
  disabled: () => new FeedError(400, 'AF20023', 'The subscription was disabled by an administrator.'),
  alreadyEnabled: () =>
    new FeedError(400, 'AF20024', 'The subscription is already enabled. No property change.'),
  window: () => new FeedError(400, 'AF20030', WINDOW_RULE),
  windowOrder: () =>
    new FeedError(
      400,
      'AF20055',
      'Start time and end time must both be specified (or both omitted) and must be less than or equal to 24 hours apart, with the start time prior to end time and start time no more than 7 days in the past.',
    ),
  badTime: (name: string, value: string) =>
    new FeedError(400, 'AF20002', `The value of parameter ${name} (${value}) is not a valid date.`),
  badNextPage: (value: string) => new FeedError(400, 'AF20031', `Invalid nextPage Input: ${value}.`),
  notFound: (id: string) => new FeedError(404, 'AF20050', `The specified content (${id}) doesn't exist.`),
  expired: (id: string) =>
    new FeedError(
      400,
      'AF20051',
      `Content requested with the key ${id} has already expired. Content older than 7 days cannot be retrieved.`,
    ),
  tenantMismatch: (url: string, token: string) =>
    new FeedError(
      401,
      'AF20010',
      `The tenant ID passed in the URL (${url}) does not match the tenant ID passed in the access token (${token}).`,
    ),
  permission: (roles: string) =>
    new FeedError(
      403,
      'AF10001',
      `The permission set (${roles}) sent in the request does not include the expected permission.`,
    ),
  throttled: (status: number, method: string, publisher: string) =>
    new FeedError(status, 'AF429', `Too many requests. Method=${method}, PublisherId=${publisher}`),
  internal: () => new FeedError(500, 'AF50000', 'An internal error occurred. Retry the request.'),
};

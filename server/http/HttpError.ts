/** Thrown by route handlers; the error handler at the end turns it into `{ error: { code, message } }`. */
export class HttpError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string = defaultCode(status),
  ) {
    super(message);
  }

  /** The JSON every error response carries. */
  body(): { error: { code: string; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

function defaultCode(status: number): string {
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 429:
      return 'too_many_requests';
    default:
      return status >= 500 ? 'internal' : 'error';
  }
}

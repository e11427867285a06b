/**
 * An error in AWS Lambda's own terms: the exception name the SDKs and the CLI recognise, its HTTP status,
 * and the body fields of that exception's shape (Lambda's model spells `message` and `Message` per type).
 */
export class LambdaError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields: Record<string, string> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  /** The JSON body Lambda sends for this exception. */
  body(): Record<string, string> {
    const messageKey = MESSAGE_CAPITALISED.has(this.code) ? 'Message' : 'message';
    return { Type: this.status >= 500 ? 'Service' : 'User', [messageKey]: this.message, ...this.fields };
  }
}

/** Exceptions whose model names the field `Message` rather than `message`. */
const MESSAGE_CAPITALISED = new Set(['ResourceNotFoundException', 'ServiceException']);

export const notFound = (arn: string): LambdaError => new LambdaError('ResourceNotFoundException', 404, `Function not found: ${arn}`);

export const invalidParameter = (message: string): LambdaError => new LambdaError('InvalidParameterValueException', 400, message);

export const throttled = (reason: string): LambdaError =>
  new LambdaError('TooManyRequestsException', 429, 'Rate Exceeded.', { Reason: reason }, { 'Retry-After': '1' });

export const tooLarge = (limit: number): LambdaError =>
  new LambdaError('RequestTooLargeException', 413, `Request must be smaller than ${limit} bytes for the InvokeFunction operation`);

/** A send Telegram refused or never took, the token scrubbed: `status` is Telegram's error code (absent when unreachable), `retryAfterSeconds` a 429's wait. */
export class TelegramSendError extends Error {
  override readonly name = 'TelegramSendError';
  constructor(message: string, readonly status?: number, readonly retryAfterSeconds?: number) {
    super(message);
  }
}

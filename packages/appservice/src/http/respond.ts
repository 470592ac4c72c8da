import type { Response } from 'express';

/** A Matrix-style error body: `{ errcode, error }`. */
export function sendError(res: Response, status: number, errcode: string, error: string): void {
  res.status(status).json({ errcode, error });
}

/** Thrown by a route handler to answer with this status and errcode (the app's error handler sends it). */
export class HttpError extends Error {
  override readonly name: string = 'HttpError';
  constructor(
    readonly status: number,
    readonly errcode: string,
    message: string,
  ) {
    super(message);
  }
}

/** Parses a path or query parameter with a branded-ID parser; a bad value is a 400 naming the parameter. */
export function parseParam<T>(parse: (value: string) => T, value: string | undefined, name: string): T {
  if (value === undefined || value === '') throw new HttpError(400, 'M_MISSING_PARAM', `${name} is required`);
  try {
    return parse(value);
  } catch (err) {
    throw new HttpError(400, 'M_INVALID_PARAM', `${name}: ${(err as Error).message}`);
  }
}

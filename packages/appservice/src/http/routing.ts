import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { sendError } from './respond';

type Method = 'get' | 'put' | 'post';

/**
 * Registers a known endpoint: names it for metrics (a fixed name, so label values stay bounded)
 * and answers other methods with 405 `M_UNRECOGNIZED`, as the spec asks.
 */
export function endpoint(router: Router, path: string, name: string, methods: Partial<Record<Method, RequestHandler[]>>): void {
  const route = router.route(path);
  route.all((_req: Request, res: Response, next: NextFunction) => {
    res.locals.route = name;
    next();
  });
  for (const [method, handlers] of Object.entries(methods) as Array<[Method, RequestHandler[]]>) {
    route[method](...handlers);
  }
  route.all((req: Request, res: Response) => {
    sendError(res, 405, 'M_UNRECOGNIZED', `${req.method} is not supported on this endpoint`);
  });
}

/** A path parameter as one string (Express 5 gives arrays for wildcards). */
export function param(req: Request, name: string): string {
  const value = req.params[name];
  return Array.isArray(value) ? value.join('/') : (value ?? '');
}

/** Query parameters with one string each (the first when repeated), minus the deprecated token. */
export function queryFields(req: Request): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query)) {
    if (key === 'access_token') continue;
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') fields[key] = first;
  }
  return fields;
}

import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { errorBody } from '../contract/error-codes';
import { HttpError, StoreUnavailableError } from '../errors';
import type { Logger } from '../logger';

declare module 'node:http' {
  interface IncomingMessage {
    /** The request id: the caller's `x-request-id` when it is sane, else a fresh one. */
    id: string;
  }
}

/** The SPEC's body limit. */
export const MAX_BODY_BYTES = 10 * 1024;

export interface HttpAppOptions {
  logger: Logger;
  registry: Registry;
  /** Resolves when the process can serve (its store answers, it is not draining). */
  checkReady: () => Promise<void>;
  /** TRUST_PROXY: behind a load balancer, req.ip (and so every per-IP limit) is the shopper's address. */
  trustProxy?: boolean | number | string;
  /** Origins the pages may load images from besides their own (the product's image). */
  imageOrigins?: string[];
}

/**
 * The HTTP shell every service shares: request ids and request logs, the body rules of the SPEC,
 * the service's own routes (`mountRoutes`), /healthz, /readyz and /metrics, then one 404
 * and one error handler that answer in the SPEC's error shape and never leak a stack trace.
 */
export function createHttpApp(options: HttpAppOptions, mountRoutes: (app: Express) => void): Express {
  const app = express();
  app.disable('x-powered-by');
  // API answers are computed per request; an ETag would only cost a hash of every body.
  app.set('etag', false);
  app.set('trust proxy', options.trustProxy ?? false);

  app.use(requestLogging(options.logger));
  app.use(closeWhileDraining);
  app.use(securityHeaders(options.imageOrigins ?? []));
  app.use(sameOriginWrites);
  app.use(jsonBodies);

  // The service's routes first: Express tries every route in order, and joins and purchases are
  // the hot paths; health checks and scrapes come a few times a minute.
  mountRoutes(app);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    // serve() marks the app as draining at SIGTERM: the load balancer stops sending new work here.
    if (req.app.locals.draining === true) throw new HttpError(503, 'unavailable', 'This instance is shutting down.');
    await options.checkReady();
    res.json({ status: 'ready' });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(options.registry.contentType).send(await options.registry.metrics());
  });

  app.use((_req, _res, next) => next(new HttpError(404, 'not_found', 'There is nothing at this address.')));
  app.use(errorHandler(options.logger));
  return app;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * One log line per request (debug, or error for a 5xx), with its request id, method, path, status and duration; no headers
 * and no bodies, since those carry tokens and user data. Other lines about a request carry its
 * `reqId` too. pino-http, which builds a child logger and serialises every request, was the
 * largest cost on the purchase path after the token check when profiled (README, "Benchmark").
 */
function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const reqId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('x-request-id', reqId);
    req.id = reqId;
    // A flash sale answers thousands of requests a second: their lines are debug (LOG_LEVEL=debug
    // for an access log; a line per request cost ~10 % of a join). A 5xx is logged by the error
    // handler, so below debug nothing is attached to the response at all.
    if (!logger.isLevelEnabled('debug')) return next();
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const responseTimeMs = Number(process.hrtime.bigint() - started) / 1e6;
      const level = res.statusCode >= 500 ? 'error' : 'debug';
      logger[level]({ reqId, method: req.method, url: req.originalUrl, status: res.statusCode, responseTimeMs }, 'request');
    });
    next();
  };
}

/** While the process drains (serve() sets the flag), no connection is kept alive for another request. */
const closeWhileDraining: RequestHandler = (req, res, next) => {
  if (req.app.locals.draining === true) res.setHeader('Connection', 'close');
  next();
};

/**
 * helmet's defaults (CSP, nosniff, frame-ancestors, referrer policy, HSTS …), except that plain
 * HTTP is not upgraded (the all-in-one process serves http://127.0.0.1, and behind a load balancer
 * TLS ends there) and images may also come from the given origins (the product's image, often on
 * the shop's CDN).
 */
const securityHeaders = (imageOrigins: string[]) =>
  helmet({
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null, imgSrc: ["'self'", 'data:', ...imageOrigins] } },
  });

/** True when a browser's Origin header names this very host (what the page was served from). */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/**
 * The API is same-origin only: a browser sends Origin with every write, so a write from another
 * site's page is refused before it reaches a route. Requests without Origin (curl, load tests,
 * servers) are not browsers' cross-site requests and pass; reads have nothing to protect.
 */
const sameOriginWrites: RequestHandler = (req, _res, next) => {
  const origin = req.headers.origin;
  if (req.method === 'GET' || req.method === 'HEAD' || origin === undefined || isSameOrigin(origin, req.headers.host)) return next();
  next(new HttpError(403, 'forbidden', 'Requests from other sites are refused.'));
};

/**
 * Bodies are JSON of at most 10 KB. A body of another type is refused rather than ignored, so
 * nothing a client sent is silently dropped.
 */
const parseJson = express.json({ limit: MAX_BODY_BYTES, strict: false });

const jsonBodies: RequestHandler = (req, res, next) => {
  const declaredLength = Number(req.headers['content-length'] ?? 0);
  if (declaredLength > MAX_BODY_BYTES) return next(new HttpError(413, 'payload_too_large', 'The request body is larger than 10 KB.'));
  const hasBody = declaredLength > 0 || req.headers['transfer-encoding'] !== undefined;
  if (!hasBody) return next();
  if (!req.is('application/json'))
    return next(new HttpError(400, 'bad_request', 'The request body must be JSON (Content-Type: application/json).'));
  parseJson(req, res, next);
};

interface BodyParserError {
  type?: string;
  status?: number;
}

function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const answer = toHttpError(error);
    if (error instanceof StoreUnavailableError) {
      logger.warn({ reqId: req.id, cause: (error.cause as Error | undefined)?.message }, 'store unavailable');
    } else if (answer.status >= 500 && !(error instanceof HttpError)) {
      // A deliberate 5xx (readiness while draining) is an answer, not a failure.
      logger.error({ reqId: req.id, err: error }, 'request failed');
    }
    if (res.headersSent) return;
    res.status(answer.status).set(answer.headers).json(errorBody(answer.code, answer.message));
  };
}

function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof StoreUnavailableError) {
    return new HttpError(503, 'unavailable', 'The sale is briefly unavailable. Nothing was taken; please retry in a moment.', {
      'Retry-After': '1',
    });
  }
  const parserError = error as BodyParserError;
  if (parserError.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'The request body is larger than 10 KB.');
  if (parserError.type === 'entity.parse.failed') return new HttpError(400, 'bad_request', 'The request body is not valid JSON.');
  if (typeof parserError.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return new HttpError(400, 'bad_request', 'The request could not be read.');
  }
  return new HttpError(500, 'internal_error', 'Something went wrong on our side. Please retry.');
}

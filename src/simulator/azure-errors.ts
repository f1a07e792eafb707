import { STATUS_CODES } from "node:http";
import { OPERATIONS, type Operation } from "./operations.js";

/** The error body Azure OpenAI returns; SDKs read `error.code` and `error.message` from it. */
export interface AzureErrorBody {
  error: {
    code: string;
    message: string;
    param?: string | null;
    type?: string | null;
    innererror?: { code: string; content_filter_result?: unknown };
  };
}

/** A ready-to-send Azure error: status, body and the extra headers Azure adds (429's retry-after). */
export interface AzureError {
  readonly status: number;
  readonly body: AzureErrorBody;
  readonly headers: Readonly<Record<string, string>>;
}

function plain(status: number, code: string, message: string): AzureError {
  return { status, body: { error: { code, message } }, headers: {} };
}

/** Azure's 401 for a missing or wrong key, word for word. */
export function unauthorized(): AzureError {
  return plain(
    401,
    "401",
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
  );
}

/** Azure's 404 for any path it does not serve (including a classic path without `api-version`). */
export function notFound(): AzureError {
  return plain(404, "404", "Resource not found");
}

/** A 404 for a missing object, e.g. an unknown file id. */
export function objectNotFound(message: string): AzureError {
  return plain(404, "NotFound", message);
}

/**
 * A 400 or 404 in OpenAI's shape for a request that names an object that is not there (Responses'
 * `previous_response_not_found`), which Azure passes through: code, message, param and type.
 */
export function invalidReference(
  status: 400 | 404,
  code: string,
  message: string,
  param: string,
): AzureError {
  return {
    status,
    body: { error: { code, message, param, type: "invalid_request_error" } },
    headers: {},
  };
}

/** A 409 for an operation the object's state forbids, e.g. cancelling a finished batch. */
export function conflict(message: string): AzureError {
  return plain(409, "Conflict", message);
}

/** A 400 in the shape Azure uses for validation errors, with the offending parameter when known. */
export function badRequest(message: string, param: string | null = null): AzureError {
  return {
    status: 400,
    body: { error: { code: "BadRequest", message, param, type: null } },
    headers: {},
  };
}

/** Azure's 413 for a body over its limit. */
export function tooLarge(message: string): AzureError {
  return plain(413, "RequestEntityTooLarge", message);
}

/**
 * Azure's 429 for an exhausted token quota, with both retry headers it sends (`retry-after` in
 * seconds, `retry-after-ms`); the openai SDK honours them when it retries.
 */
export function tooManyRequests(
  operation: Operation | undefined,
  apiVersion: string | undefined,
): AzureError {
  const name = operation === undefined ? "ChatCompletions_Create" : OPERATIONS[operation].azureName;
  const version = apiVersion ?? "v1";
  return {
    status: 429,
    body: {
      error: {
        code: "429",
        message: `Requests to the ${name} Operation under Azure OpenAI API version ${version} have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 1 second. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.`,
      },
    },
    headers: { "retry-after": "1", "retry-after-ms": "1000" },
  };
}

/** Azure's 500, the body a test gets from `x-simulator-status: 500` or from a simulator bug. */
export function internalError(): AzureError {
  return plain(
    500,
    "InternalServerError",
    "The server had an error while processing your request. Sorry about that!",
  );
}

/** The Azure error for any status a fault header asks for; unknown statuses get a generic body. */
export function errorForStatus(
  status: number,
  operation: Operation | undefined,
  apiVersion: string | undefined,
): AzureError {
  switch (status) {
    case 400:
      return badRequest("The request is invalid.");
    case 401:
      return unauthorized();
    case 403:
      return plain(403, "403", "Access denied due to Virtual Network/Firewall rules.");
    case 404:
      return notFound();
    case 408:
      return plain(408, "Timeout", "The operation was timeout.");
    case 413:
      return tooLarge("The request body is too large.");
    case 429:
      return tooManyRequests(operation, apiVersion);
    case 500:
      return internalError();
    case 503:
      return plain(
        503,
        "ServiceUnavailable",
        "The service is temporarily unable to process your request. Please try again later.",
      );
    default:
      return plain(status, String(status), STATUS_CODES[status] ?? "Unknown error");
  }
}

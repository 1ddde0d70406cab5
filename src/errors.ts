// Error codes and the few error classes: GraphQL errors with `extensions.code`, and seeder input errors.
import { GraphQLError } from 'graphql';

export enum ErrorCode {
  NotFound = 'NOT_FOUND',
  BadUserInput = 'BAD_USER_INPUT',
  QueryTooComplex = 'QUERY_TOO_COMPLEX',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  InternalServerError = 'INTERNAL_SERVER_ERROR',
  Unauthenticated = 'UNAUTHENTICATED',
}

/** An argument the API cannot accept; the message says what is allowed. */
export class BadUserInputError extends GraphQLError {
  constructor(message: string, argument?: string) {
    super(message, { extensions: { code: ErrorCode.BadUserInput, ...(argument ? { argument } : {}) } });
  }
}

/** A query over the configured depth, alias or cost limits; the message gives the value and the limit. */
export class QueryTooComplexError extends GraphQLError {
  constructor(message: string) {
    super(message, { extensions: { code: ErrorCode.QueryTooComplex } });
  }
}

/** Neo4j cannot be reached or is not answering; the client may retry. */
export class ServiceUnavailableError extends GraphQLError {
  constructor(message = 'The graph database is not reachable right now; retry shortly.') {
    super(message, { extensions: { code: ErrorCode.ServiceUnavailable } });
  }
}

/**
 * Bad seeder input: names the file, the position (line:column, object id or index) and the reason.
 * Thrown before anything is written, so the graph keeps what it had.
 */
export class SourceError extends Error {
  constructor(
    readonly file: string,
    readonly position: string,
    readonly reason: string,
  ) {
    super(`${file}: ${position}: ${reason}`);
    this.name = 'SourceError';
  }
}

/** Line and column (1-based) of a character offset in a text. */
export function lineColumn(text: string, offset: number): string {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, column ${end - lineStart + 1}`;
}

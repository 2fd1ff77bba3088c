// Errors the simulator answers with, and their wire documents. EC2 has its own shape
// (`<Response><Errors><Error>…`); RDS and STS use the awsQuery `<ErrorResponse>` one.
import { esc } from './xml.ts';

export type Service = 'ec2' | 'rds' | 'sts' | 'iam' | 'organizations' | 'autoscaling' | 'imagebuilder';

export class SimError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** An authorization refusal: under DryRun it becomes UnauthorizedOperation. */
    readonly authz = false,
    /** Extra fields of a JSON-protocol error (Organizations' `Reason`). */
    readonly extra?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'SimError';
  }
}

export const XMLNS: Record<Service, string> = {
  ec2: 'http://ec2.amazonaws.com/doc/2016-11-15/',
  rds: 'http://rds.amazonaws.com/doc/2014-10-31/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  organizations: '',
  autoscaling: 'http://autoscaling.amazonaws.com/doc/2011-01-01/',
  imagebuilder: '',
};

/** The JSON 1.1 error document (Organizations). */
export function jsonErrorBody(code: string, message: string, extra?: Record<string, unknown>): string {
  return JSON.stringify({ __type: code, Message: message, ...extra });
}

export function ec2ErrorXml(code: string, message: string, requestId: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors>` +
    `<RequestID>${requestId}</RequestID></Response>`
  );
}

export function queryErrorXml(
  service: Service,
  code: string,
  message: string,
  requestId: string,
  status: number,
): string {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${XMLNS[service]}"><Error><Type>${type}</Type><Code>${esc(code)}</Code>` +
    `<Message>${esc(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}

export function errorXml(
  service: Service,
  code: string,
  message: string,
  requestId: string,
  status: number,
): string {
  return service === 'ec2'
    ? ec2ErrorXml(code, message, requestId)
    : queryErrorXml(service, code, message, requestId, status);
}

/** The HTTP status AWS uses for a code, for faults injected without one. */
export function defaultStatus(service: Service, code: string): number {
  switch (code) {
    case 'RequestLimitExceeded':
    case 'ServiceUnavailable':
    case 'Unavailable':
      return 503;
    case 'InternalError':
    case 'InternalFailure':
    case 'ServiceFailure':
      return 500;
    case 'UnauthorizedOperation':
    case 'AccessDenied':
    case 'InvalidClientTokenId':
    case 'ExpiredToken':
      return 403;
    case 'AuthFailure':
      return service === 'ec2' ? 401 : 403;
    case 'DryRunOperation':
      return 412;
    case 'DBSnapshotNotFound':
    case 'DBClusterSnapshotNotFoundFault':
      return 404;
    default:
      return 400;
  }
}

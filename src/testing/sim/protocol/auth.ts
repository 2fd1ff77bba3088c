// Who is calling, for which service and region: read from the SigV4 credential scope
// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`). The signature itself is NOT verified:
// the simulator trusts its callers (loopback only, fake keys), and recomputing HMACs would
// only cost time.
import type { IncomingHttpHeaders } from 'node:http';

export interface CredentialScope {
  accessKeyId: string;
  region: string;
  service: string;
}

const SCOPE = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

export function credentialScope(
  headers: IncomingHttpHeaders,
  query: URLSearchParams,
): CredentialScope | undefined {
  const auth = headers.authorization;
  const m = (auth && SCOPE.exec(auth)) || SCOPE.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`);
  if (!m) return undefined;
  return { accessKeyId: m[1]!, region: m[2]!, service: m[3]! };
}

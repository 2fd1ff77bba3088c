// The caller of a request: the base credentials act as the world's homeAccount, AssumeRole
// session credentials as the role's account, anything else is refused the way each service does.
import type { credentialScope } from './protocol/auth.ts';
import { SimError, type Service } from './protocol/errors.ts';
import type { AccountRec, Session, SimState } from './state.ts';

export const BASE_ACCESS_KEY_ID = 'AKIASHAREGUARDSIM001';
export const BASE_SECRET_ACCESS_KEY = 'shareguard-simulator-secret-key-0000000000';

export type Caller =
  | { ok: true; account: AccountRec; session: Session | undefined; keyId: string }
  | { ok: false; error: SimError };

/** Who is calling (the signature is not verified, see protocol/auth.ts). */
export function caller(
  state: SimState,
  service: Service,
  scope: ReturnType<typeof credentialScope>,
  now: number,
): Caller {
  const keyId = scope?.accessKeyId;
  const session = keyId === undefined ? undefined : state.sessions.get(keyId);
  const accountId = keyId === BASE_ACCESS_KEY_ID ? state.homeAccount : session?.account;
  const account = accountId === undefined ? undefined : state.accountRec(accountId);
  if (!account || keyId === undefined) {
    return {
      ok: false,
      error:
        service === 'ec2'
          ? new SimError('AuthFailure', 'AWS was not able to validate the provided access credentials', 401)
          : keyId === undefined
            ? new SimError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403)
            : new SimError(
                service === 'organizations' ? 'UnrecognizedClientException' : 'InvalidClientTokenId',
                'The security token included in the request is invalid.',
                403,
              ),
    };
  }
  if (session && session.expiresMs <= now) {
    return {
      ok: false,
      error: new SimError('ExpiredToken', 'The security token included in the request is expired', 400),
    };
  }
  return { ok: true, account, session, keyId };
}

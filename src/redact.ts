/**
 * Credentials inside URLs (`https://user:password@proxy…`, a SLACK_API_URL through an authenticating
 * proxy, a store endpoint) never reach an error message or a log line: the password is replaced by
 * `***` (a user name alone is kept, it says which account without being a secret). Works on any text,
 * so a URL quoted inside an SDK's error message is covered too.
 */
// scheme://userinfo@ — userinfo ends at the last `@` before the host; it has no `/`, `?`, `#` or spaces.
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi;

export function withoutCredentials(text: string): string {
  return text.replace(USERINFO, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}***@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}

import { describe, expect, it } from 'vitest';
import { withoutCredentials } from '../src/redact.ts';

describe('withoutCredentials (D16)', () => {
  it.each([
    ['https://user:p%40ss@proxy.example:8443/api/', 'https://user:***@proxy.example:8443/api/'],
    ['connect to http://tok3n@host/x failed', 'connect to http://***@host/x failed'],
    ['a: http://a:b@h1/ and https://c:d@h2/', 'a: http://a:***@h1/ and https://c:***@h2/'],
    ['https://slack.com/api/ and mail me@example.com', 'https://slack.com/api/ and mail me@example.com'],
    ['http://u:secret@[::1', 'http://u:***@[::1'],
  ])('%s', (input, shown) => expect(withoutCredentials(input)).toBe(shown));
});

import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { ApiError, apiErrorOf } from './api-error.ts';
import { Session } from './session.svelte.ts';

/** What a route of our API answers when it refuses: `{error: {code, message}}`. */
function refusal(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ error: { code, message } }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

/** Parse the body as the request helpers do (no JSON: an empty object). */
const failed = async (res: Response) => apiErrorOf(res, await res.json().catch(() => ({})));

describe('apiErrorOf', () => {
  test('keeps the status, the catalog code and the server’s message', async () => {
    const err = await failed(refusal(413, 'PAYLOAD_TOO_LARGE', 'archives larger than 200 MiB are refused'));
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    expect(err.message).toBe('archives larger than 200 MiB are refused');
  });

  test('a body that is not ours (a proxy’s HTML page) keeps the status and its text, code UNKNOWN', async () => {
    const res = new Response('<html>502 Bad Gateway</html>', { status: 502, statusText: 'Bad Gateway' });
    expect(await failed(res)).toMatchObject({ status: 502, code: 'UNKNOWN', message: 'Bad Gateway' });
    expect(apiErrorOf(new Response(null, { status: 500 }), null)).toMatchObject({ status: 500, code: 'UNKNOWN' });
    expect(apiErrorOf(new Response(null, { status: 500 }), { error: { code: 7 } })).toMatchObject({ code: 'UNKNOWN' });
  });
});

test('a validation refusal keeps its issues; entries not of their shape are dropped', () => {
  const issues = [
    { path: '/members/3', kind: 'maxLength', limit: 40, message: 'must NOT have more than 40 characters' },
    { path: '', kind: 'required', message: "must have required property 'callsign'" },
    { path: 3, kind: 'maxLength' },
    null,
  ];
  const err = apiErrorOf(new Response(null, { status: 400 }), {
    error: { code: 'INVALID_PAYLOAD', message: 'body/members/3 must NOT have more than 40 characters', issues },
  });
  expect(err.issues).toEqual(issues.slice(0, 2));
  // No `issues`: none came (a refusal beyond validation, or an older server).
  expect(apiErrorOf(new Response(null, { status: 409 }), { error: { code: 'CONFLICT', message: 'x' } }).issues).toBe(
    undefined,
  );
});

describe('Session.errorOf', () => {
  beforeEach(() => {
    const items = new Map<string, string>();
    vi.stubGlobal('localStorage', {
      getItem: (k: string) => items.get(k) ?? null,
      setItem: (k: string, v: string) => void items.set(k, v),
      removeItem: (k: string) => void items.delete(k),
    });
    // A logout without a reason tells the server; one with a reason must not.
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response('{}')),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  function signedIn(): Session {
    const session = new Session();
    session.current = {
      token: 't',
      expiresAt: Date.now() + 3600_000,
      user: { id: 'u1', name: '张三', role: 'commander', stationId: null },
    };
    return session;
  }

  test('a refused token (401) ends the session with its reason, as session.get does', () => {
    const session = signedIn();
    const err = session.errorOf(refusal(401, 'TOKEN_EXPIRED', 'token expired'), {
      error: { code: 'TOKEN_EXPIRED', message: 'token expired' },
    });
    expect(err).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(session.current).toBeNull();
    expect(session.endedBecause).toBe('expired');
    expect(fetch).not.toHaveBeenCalled();
  });

  test('any other refusal leaves the session as it is', async () => {
    const session = signedIn();
    const res = refusal(403, 'FORBIDDEN', 'commanders only');
    expect(session.errorOf(res, await res.json())).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(session.user?.id).toBe('u1');
    expect(session.endedBecause).toBeNull();
  });
});

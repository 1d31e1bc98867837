/**
 * Showing a Redis URL without its secrets. The shown form is rebuilt from the parsed URL (the same
 * WHATWG parse ioredis connects with), never cut out of the raw text, so a raw `@`, `/`, `?` or `#`
 * in a password cannot shift a boundary and leave part of it visible. A URL that does not parse is
 * not shown at all.
 * @module
 */

/** Query parameters whose values are shown; every other value (`password`, `username`, …) is masked. */
const SHOWN_QUERY = new Set(['db', 'family', 'connectionName', 'tls']);

/** What a message says instead of a URL that could not be parsed. */
export const UNPARSED_URL = '(URL not shown: it did not parse and may hold a password)';

/** The URL with its password, masked query values and fragment replaced by `***`. */
export function displayUrl(url: URL): string {
  const auth = url.password !== '' ? `${url.username}:***@` : url.username !== '' ? `${url.username}@` : '';
  const query = [...url.searchParams.keys()].map((k) => `${encodeURIComponent(k)}=${SHOWN_QUERY.has(k) ? encodeURIComponent(url.searchParams.get(k) ?? '') : '***'}`);
  // only a database number is shown: with a raw "/" in a password, the path holds the rest of it
  const path = url.pathname === '/' || url.pathname === '' ? '' : /^\/\d+$/.test(url.pathname) ? url.pathname : '/…';
  return `${url.protocol}//${auth}${url.host}${path}${query.length > 0 ? `?${query.join('&')}` : ''}${url.hash !== '' ? '#***' : ''}`;
}

/** `raw` shown safely: {@link displayUrl} when it parses, else {@link UNPARSED_URL}. */
export function redactUrl(raw: string): string {
  try {
    return displayUrl(new URL(raw));
  } catch {
    return UNPARSED_URL;
  }
}

/**
 * Every secret `raw` may carry, in each spelling a message could repeat it (raw, percent-decoded):
 * the password, the user information before the last `@`, and the masked query values. Used to
 * scrub any text the CLI prints, whatever produced it.
 */
export function urlSecrets(raw: string): string[] {
  const found = new Set<string>();
  const add = (s: string) => {
    if (s.length < 4) return; // too short to scrub without mangling ordinary text
    found.add(s);
    try {
      found.add(decodeURIComponent(s));
    } catch {
      // not percent-encoded
    }
  };
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(raw);
  const rest = scheme ? raw.slice(scheme[0].length) : raw;
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    if (colon !== -1) add(info.slice(colon + 1)); // without a colon it is a user name (shown anyway)
  }
  try {
    const u = new URL(raw);
    add(u.password);
    for (const [k, v] of u.searchParams) if (!SHOWN_QUERY.has(k)) add(v);
  } catch {
    // nothing more can be told apart
  }
  return [...found].sort((a, b) => b.length - a.length);
}

/** `text` with every one of `secrets` replaced by `***`. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('***');
  return out;
}

// SPDX-License-Identifier: Apache-2.0
/**
 * Splits `Basic` credentials into client id and secret. RFC 6749 §2.3.1: both are form-urlencoded before
 * they are put into the header, so they are %-decoded here; a bad %-sequence (or one that is not UTF-8) is
 * a failed client authentication, not a server error. Null when the credentials cannot be read.
 */
export function decodeBasicCredentials(token: string): { id: string; secret: string } | null {
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const sep = decoded.indexOf(':');
  if (sep < 0) return null;
  try {
    return { id: decodeURIComponent(decoded.slice(0, sep)), secret: decodeURIComponent(decoded.slice(sep + 1)) };
  } catch {
    return null; // URIError: malformed %-encoding
  }
}

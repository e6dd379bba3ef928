// SPDX-License-Identifier: Apache-2.0
/**
 * EMVCo merchant-presented QR codes for the end-to-end suites, written here again so a test does not trust the
 * gateway's own encoder or CRC.
 */

/** A data object: tag, 2-digit length, value. */
export const tlv = (tag: string, value: string): string => `${tag}${String(value.length).padStart(2, '0')}${value}`;

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) as 4 upper-case hex digits. */
export function crc16(text: string): string {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc.toString(16).toUpperCase().padStart(4, '0');
}

/** A payload ending in the CRC tag: `body` (everything before tag 63) + `6304` + its CRC. */
export function withCrc(body: string): string {
  return `${body}6304${crc16(`${body}6304`)}`;
}

/**
 * A Berlin café's code on the `com.example.pay` network: merchant `merchantId`, EUR, with an amount (dynamic)
 * or without (static), and a reference label in tag 62.
 */
export function merchantQr(merchantId: string, amount: string | null): string {
  return withCrc(
    tlv('00', '01') +
      tlv('01', amount ? '12' : '11') +
      tlv('26', tlv('00', 'com.example.pay') + tlv('01', merchantId)) +
      tlv('52', '5812') +
      tlv('53', '978') +
      (amount ? tlv('54', amount) : '') +
      tlv('58', 'DE') +
      tlv('59', 'Cafe Kranz') +
      tlv('60', 'Berlin') +
      tlv('62', tlv('05', 'TABLE-7')),
  );
}

// SPDX-License-Identifier: Apache-2.0
export * from './iso20022.types.js';
export { Iso20022Codec, DEFAULT_PARSE_LIMITS, ENVELOPE_FORMS, type EnvelopeForm, type Iso20022CodecOptions } from './iso20022.codec.js';
export { SchemaLoadError, ISO20022_NS_PREFIX } from './schema-registry.js';
export { PACS002_MESSAGE_ID, PACS002_NAMESPACE, PACS002_VERSIONS, pacs002VersionFor } from './pacs002.writer.js';
export { CAMT029_MESSAGE_ID } from './camt029.writer.js';
export { CAMT056_MESSAGE_ID } from './camt056.writer.js';
export { PACS004_MESSAGE_ID } from './pacs004.writer.js';
export { PACS028_MESSAGE_ID } from './pacs028.writer.js';
export { PAIN002_MESSAGE_ID } from './pain002.writer.js';
export { PACS008_OUT_MESSAGE_ID, pacs008FromPain001, type Pain001ReleaseContext } from './pacs008.writer.js';
export { APP_HDR_VERSIONS, headerParty, wrapWithAppHdr } from './app-header.writer.js';
export { escapeText, escapeAttr } from './xml-writer.js';
export {
  canConvertPacs008,
  convertPacs008,
  isPacs008Generation,
  PACS008_GENERATIONS,
  type Pacs008Conversion,
  type Pacs008Generation,
} from './pacs008-generations.js';

export * from './iso20022.types.js';
export { Iso20022Codec, DEFAULT_PARSE_LIMITS, type Iso20022CodecOptions } from './iso20022.codec.js';
export { SchemaLoadError, ISO20022_NS_PREFIX } from './schema-registry.js';
export { PACS002_MESSAGE_ID, PACS002_NAMESPACE } from './pacs002.writer.js';
export { escapeText, escapeAttr } from './xml-writer.js';

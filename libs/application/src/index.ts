export * from './application.tokens.js';
export * from './ports/transaction-repository.port.js';
export * from './ports/work-queue.port.js';
export * from './ports/message-archive.port.js';
export * from './ports/legacy-host.port.js';
export * from './ports/support.port.js';

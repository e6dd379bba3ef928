export * from './sqs-work-queue.adapter.js';
export * from './sqs-queues.setup.js';

// SPDX-License-Identifier: Apache-2.0
import { Logger } from '@nestjs/common';
import {
  connect,
  type Channel,
  type ChannelModel,
  type ConfirmChannel,
  type ConsumeMessage,
  type MessageProperties,
  type Options,
  type RecoveringChannelModel,
} from 'amqplib';

/** The broker could not be reached, or did not confirm a message in time. */
export class AmqpUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmqpUnavailableError';
  }
}

/** One message taken from a queue, to be acked (or nacked) exactly once by its handler. */
export interface AmqpDelivery {
  content: Buffer;
  properties: MessageProperties;
  redelivered: boolean;
  ack(): void;
  /** `requeue: false` dead-letters it through the queue's dead-letter exchange. */
  nack(requeue: boolean): void;
}

export type DeliveryHandler = (delivery: AmqpDelivery) => Promise<void>;

export interface AmqpSessionOptions {
  /** `amqp://user:password@host:5672/vhost`; the password never appears in logs. */
  url: string;
  /** Connection name shown by the broker (`rabbitmqctl list_connections client_properties`). */
  name: string;
  /** Declares the topology on each (re)connect, before any consumer starts. */
  declare?: (channel: Channel) => Promise<void>;
  /** Reconnect backoff: exponential with jitter from `initialDelayMs` up to `maxDelayMs`. Defaults 100 / 2000. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Wait for the first connection in `open()` (default true); false lets a process start while the broker is down. */
  waitForConnect?: boolean;
  /** Attempts before `open()` gives up when waiting for the first connection. Default 10. */
  initialMaxRetries?: number;
  logger?: Pick<Logger, 'log' | 'warn' | 'error'>;
  /**
   * TLS for an amqps:// URL: a private CA (PEM) the broker's certificate must chain to, and a client
   * certificate and key (PEM) for brokers that ask for one (RabbitMQ `ssl_options.verify = verify_peer`).
   */
  tls?: AmqpTlsOptions;
}

export interface AmqpTlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/**
 * The socket options amqplib passes to `tls.connect` for amqps:// (the connection name besides). TLS material
 * is refused with a plain amqp:// URL, where it would silently be ignored; certificates are always verified.
 */
export function amqpSocketOptions(url: string, name: string, tls: AmqpTlsOptions | undefined): Record<string, unknown> {
  const options: Record<string, unknown> = { clientProperties: { connection_name: name } };
  if (!tls) return options;
  if (!/^amqps:\/\//i.test(url)) throw new Error('AMQP TLS options need an amqps:// URL');
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new Error('AMQP TLS: cert and key go together');
  if (tls.ca !== undefined) options.ca = [tls.ca];
  if (tls.cert !== undefined) options.cert = tls.cert;
  if (tls.key !== undefined) options.key = tls.key;
  options.rejectUnauthorized = true;
  return options;
}

interface Consumer {
  queue: string;
  prefetch: number;
  handler: DeliveryHandler;
}

/** `amqp://guest:***@host:5672/` for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable AMQP_URL)';
  }
}

/**
 * One AMQP connection with automatic recovery (amqplib's opt-in recovery: reconnect with exponential backoff
 * and jitter). After every (re)connect it declares the topology, opens a confirm channel for publishing and
 * one channel per registered consumer. An unexpected channel close (a channel error) closes the connection,
 * so the same path recovers channels too. Unacked deliveries of a lost channel are redelivered by the broker.
 */
export class AmqpSession {
  private model: RecoveringChannelModel | null = null;
  private connected: ChannelModel | null = null;
  private publisher: ConfirmChannel | null = null;
  private waiters: Array<() => void> = [];
  private readonly consumers: Consumer[] = [];
  private closed = false;
  private readonly log: Pick<Logger, 'log' | 'warn' | 'error'>;

  private constructor(private readonly options: AmqpSessionOptions) {
    this.log = options.logger ?? new Logger(`Amqp:${options.name}`);
  }

  static async open(options: AmqpSessionOptions): Promise<AmqpSession> {
    const session = new AmqpSession(options);
    await session.start();
    return session;
  }

  get isConnected(): boolean {
    return this.publisher !== null;
  }

  private async start(): Promise<void> {
    const where = redactUrl(this.options.url);
    const model = await connect(this.options.url, {
      ...amqpSocketOptions(this.options.url, this.options.name, this.options.tls),
      recovery: {
        initialDelay: this.options.initialDelayMs ?? 100,
        maxDelay: this.options.maxDelayMs ?? 2000,
        factor: 2,
        jitter: 0.2,
        maxRetries: Infinity,
        initialMaxRetries: this.options.waitForConnect === false ? Infinity : (this.options.initialMaxRetries ?? 10),
        waitForConnect: false,
        setup: (m: ChannelModel) => this.setup(m),
      },
    });
    this.model = model;
    let lostAt = 0;
    model.on('disconnect', (err: Error) => {
      this.connected = null;
      this.publisher = null;
      lostAt = Date.now();
      if (!this.closed) this.log.warn(`connection to ${where} lost (${err.message}); reconnecting`);
    });
    model.on('connect', () => {
      if (lostAt) this.log.log(`reconnected to ${where} after ${Date.now() - lostAt} ms`);
      else this.log.log(`connected to ${where}`);
    });
    model.on('connect-failed', (err: Error) => this.log.warn(`connecting to ${where} failed: ${err.message}`));
    model.on('error', (err: Error) => this.log.warn(`connection error: ${err.message}`));
    model.on('handler-error', (err: Error) => this.log.error(`handler error: ${err.message}`));
    if (this.options.waitForConnect !== false) {
      try {
        await model.waitForConnect();
      } catch (e) {
        throw new AmqpUnavailableError(`no AMQP broker answers at ${where}: ${(e as Error).message}`);
      }
    }
  }

  private async setup(model: ChannelModel): Promise<void> {
    const channel = await model.createConfirmChannel();
    this.watch(model, channel);
    if (this.options.declare) await this.options.declare(channel);
    for (const consumer of this.consumers) await this.startConsumer(model, consumer);
    this.connected = model;
    this.publisher = channel;
    const waiting = this.waiters;
    this.waiters = [];
    for (const wake of waiting) wake();
  }

  /** A channel that closes while its connection stays up lost its state: restart the whole connection. */
  private watch(model: ChannelModel, channel: Channel): void {
    channel.on('error', (err: Error) => this.log.warn(`channel error: ${err.message}`));
    channel.on('close', () => {
      if (this.closed || this.connected !== model) return;
      this.log.warn('a channel closed unexpectedly; restarting the connection to recover it');
      this.connected = null;
      this.publisher = null;
      model.close().catch(() => undefined);
    });
  }

  private async startConsumer(model: ChannelModel, consumer: Consumer): Promise<void> {
    const channel = await model.createChannel();
    this.watch(model, channel);
    await channel.prefetch(consumer.prefetch);
    await channel.consume(
      consumer.queue,
      (msg: ConsumeMessage | null) => {
        if (msg === null) {
          // The broker cancelled the consumer (its queue was deleted): restart to declare and consume again.
          if (!this.closed) model.close().catch(() => undefined);
          return;
        }
        let settled = false;
        const settle = (fn: () => void) => {
          if (settled) return;
          settled = true;
          try {
            fn();
          } catch {
            // the channel is gone: the broker redelivers the message on the next connection
          }
        };
        const delivery: AmqpDelivery = {
          content: msg.content,
          properties: msg.properties,
          redelivered: msg.fields.redelivered,
          ack: () => settle(() => channel.ack(msg)),
          nack: (requeue) => settle(() => channel.nack(msg, false, requeue)),
        };
        consumer.handler(delivery).catch((err: unknown) => {
          this.log.error(`handler for ${consumer.queue} failed: ${(err as Error)?.message ?? String(err)}`);
          delivery.nack(true);
        });
      },
      { noAck: false },
    );
  }

  /** Consumes `queue` now (when connected) and after every reconnect. The handler acks or nacks each delivery. */
  async consume(queue: string, prefetch: number, handler: DeliveryHandler): Promise<void> {
    const consumer = { queue, prefetch, handler };
    this.consumers.push(consumer);
    const model = this.connected;
    if (!model) return;
    try {
      await this.startConsumer(model, consumer);
    } catch (err) {
      // Registered already: restarting the connection starts it with the others (setup).
      this.log.warn(`cannot consume ${queue} yet (${(err as Error).message}); restarting the connection`);
      if (this.connected === model) {
        this.connected = null;
        this.publisher = null;
        model.close().catch(() => undefined);
      }
    }
  }

  /**
   * Publishes a persistent message to `queue` (through the default exchange) and resolves once the broker has
   * confirmed it. Waits up to `timeoutMs` for a connection and for the confirm; throws AmqpUnavailableError
   * otherwise (the message may then have been stored or not: callers publish idempotently).
   */
  async publish(queue: string, content: Buffer, options: Options.Publish, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const channel = await this.channel(timeoutMs);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new AmqpUnavailableError(`the broker did not confirm a message to ${queue} within ${timeoutMs} ms`)),
        Math.max(1, deadline - Date.now()),
      );
      try {
        channel.sendToQueue(queue, content, { persistent: true, ...options }, (err: unknown) => {
          clearTimeout(timer);
          if (err) reject(new AmqpUnavailableError(`the broker refused a message to ${queue} (${describe(err)})`));
          else resolve();
        });
      } catch (err) {
        clearTimeout(timer);
        reject(new AmqpUnavailableError(`cannot publish to ${queue}: ${describe(err)}`));
      }
    });
  }

  /** The publishing channel, waiting up to `timeoutMs` for a (re)connection. */
  private channel(timeoutMs: number): Promise<ConfirmChannel> {
    if (this.closed) return Promise.reject(new AmqpUnavailableError('the AMQP session is closed'));
    if (this.publisher) return Promise.resolve(this.publisher);
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        if (this.publisher) resolve(this.publisher);
        else reject(new AmqpUnavailableError('the AMQP session is closed'));
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== wake);
        reject(new AmqpUnavailableError(`not connected to the broker (waited ${timeoutMs} ms)`));
      }, timeoutMs);
      this.waiters.push(wake);
    });
  }

  /** Ready messages in a queue (passive declare; unacked ones are not counted). */
  async messageCount(queue: string): Promise<number> {
    const channel = await this.channel(5000);
    const ok = await channel.checkQueue(queue);
    return ok.messageCount;
  }

  /** Throws unless connected (readiness checks). */
  async ping(): Promise<void> {
    if (!this.publisher) throw new AmqpUnavailableError(`not connected to ${redactUrl(this.options.url)}`);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const waiting = this.waiters;
    this.waiters = [];
    this.publisher = null;
    for (const wake of waiting) wake();
    await this.model?.close().catch(() => undefined);
  }
}

function describe(err: unknown): string {
  return (err as Error)?.message ?? String(err);
}

/**
 * An in-memory message store: messages by every ID they answer to (the
 * unsigned ID, each commitment's ID, and the combined ID).
 */
import { commitmentsOf, messageId, unsignedMessageId } from '../core/ids.ts';
import type { Message } from '../core/message.ts';
import type { MessageStore } from '../core/opts.ts';

export class MemoryStore implements MessageStore {
  private readonly messages = new Map<string, Message>();

  async read(id: string): Promise<Message | undefined> {
    return this.messages.get(id);
  }

  async write(msg: Message): Promise<string> {
    const id = messageId(msg);
    for (const key of new Set([id, unsignedMessageId(msg), ...Object.keys(commitmentsOf(msg))])) {
      this.messages.set(key, msg);
    }
    return id;
  }

  describe() {
    return { 'store-module': 'memory', messages: this.messages.size };
  }

  get size(): number {
    return this.messages.size;
  }
}

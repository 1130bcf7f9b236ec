import { createHash } from "node:crypto";
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { InvalidCursorError } from "./chat-errors";
import { EnvironmentError } from "./env";
import type { TableBinding } from "./table-binding";

/** The messages table's key: one partition per room or conversation, sorted by time. */
export const CONVERSATION_ATTRIBUTE = "conversationKey";
export const SORT_ATTRIBUTE = "sortKey";

const MAX_PLAIN_KEY = 1024;

export function roomConversation(roomId: string): string {
  return `room:${roomId}`;
}

/** The conversation of two users, the same whichever of them asks; ids are escaped so no id can forge another pair. */
export function directConversation(userA: string, userB: string): string {
  const [first, second] = [userA, userB].sort();
  const key = `dm:${encodeURIComponent(first)}:${encodeURIComponent(second)}`;
  // DynamoDB caps a partition key at 2,048 bytes; escaped 128-character ids can exceed it, so long keys are hashed.
  return key.length <= MAX_PLAIN_KEY ? key : `dmh:${createHash("sha256").update(key).digest("hex")}`;
}

const SORT_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-f-]{36}$/;

/** Time first, so a partition reads in order; the message id after it keeps two messages of one millisecond apart. */
export function sortKey(timestamp: string, messageId: string): string {
  return `${timestamp}#${messageId}`;
}

/** A cursor: the conversation it pages and the sort key to read before, base64url JSON. */
export function encodeCursor(conversation: string, before: string): string {
  return Buffer.from(JSON.stringify({ c: conversation, s: before }), "utf8").toString("base64url");
}

/** The sort key a cursor points before; refused unless it is one of ours, for this very conversation. */
export function decodeCursor(cursor: string, conversation: string): string {
  const refused = new InvalidCursorError(`Cursor is not valid for this history: ${JSON.stringify(cursor.slice(0, 40))}`);
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(cursor)) throw refused;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw refused;
  }
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) throw refused;
  const { c, s, ...rest } = decoded as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || c !== conversation || typeof s !== "string" || !SORT_KEY.test(s)) throw refused;
  if (encodeCursor(conversation, s) !== cursor) throw refused;
  return s;
}

/** A stored chat or private message, as history gives it back. */
export interface ArchivedMessage {
  messageId: string;
  userId: string;
  username: string;
  message: string;
  timestamp: string;
  roomId?: string;
  targetUserId?: string;
}

export interface HistoryPage {
  messages: ArchivedMessage[];
  nextBefore: string | null;
}

/** Messages per room and per conversation, each kept `retentionDays` through the table's TTL attribute. */
export class MessageArchive {
  private readonly ttlAttribute: string;

  constructor(
    private readonly documents: DynamoDBDocumentClient,
    private readonly binding: TableBinding,
    private readonly retentionDays: number,
  ) {
    if (!binding.ttlAttribute) throw new EnvironmentError(`Messages table ${binding.tableName} (${binding.variable}) is bound without its TTL attribute`);
    this.ttlAttribute = binding.ttlAttribute;
  }

  async store(conversation: string, message: ArchivedMessage): Promise<void> {
    const expiresAt = Math.floor(Date.parse(message.timestamp) / 1000) + this.retentionDays * 86_400;
    await this.documents.send(
      new PutCommand({
        TableName: this.binding.tableName,
        Item: { [CONVERSATION_ATTRIBUTE]: conversation, [SORT_ATTRIBUTE]: sortKey(message.timestamp, message.messageId), ...message, [this.ttlAttribute]: expiresAt },
      }),
    );
  }

  /** Up to `limit` messages before the cursor's (or the latest), oldest first, with the cursor of the page before. */
  async page(conversation: string, limit: number, before?: string): Promise<HistoryPage> {
    const result = await this.documents.send(
      new QueryCommand({
        TableName: this.binding.tableName,
        KeyConditionExpression: before === undefined ? "#c = :c" : "#c = :c AND #s < :before",
        // DynamoDB refuses a name the expressions do not use, so #s is named only with the cursor.
        ExpressionAttributeNames: before === undefined ? { "#c": CONVERSATION_ATTRIBUTE } : { "#c": CONVERSATION_ATTRIBUTE, "#s": SORT_ATTRIBUTE },
        ExpressionAttributeValues: { ":c": conversation, ...(before === undefined ? {} : { ":before": before }) },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    const items = result.Items ?? [];
    const messages = items.map((item) => this.fromItem(item)).reverse();
    const oldest = items[items.length - 1];
    const nextBefore = result.LastEvaluatedKey && oldest ? encodeCursor(conversation, String(oldest[SORT_ATTRIBUTE])) : null;
    return { messages, nextBefore };
  }

  private fromItem(item: Record<string, unknown>): ArchivedMessage {
    const message: ArchivedMessage = {
      messageId: String(item.messageId),
      userId: String(item.userId),
      username: String(item.username),
      message: String(item.message),
      timestamp: String(item.timestamp),
    };
    if (typeof item.roomId === "string") message.roomId = item.roomId;
    if (typeof item.targetUserId === "string") message.targetUserId = item.targetUserId;
    return message;
  }
}

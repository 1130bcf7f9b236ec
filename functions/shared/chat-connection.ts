import type { StoredConnection } from "./connection-store";

/** A user's connection to chat: the room it is in (none after leave_room), the verified user and its rate-limit state. */
export interface ChatConnection extends StoredConnection {
  /** Absent while in no room, so the room index stays sparse. */
  roomId?: string;
  userId: string;
  username: string;
  /** Epoch milliseconds. */
  connectedAt: number;
  /** Tokens left in the bucket at `rateRefilledAt`. */
  rateTokens: number;
  /** Epoch milliseconds of the last refill. */
  rateRefilledAt: number;
  /** Bumped on every take, so a conditional update notices a concurrent one. */
  rateVersion: number;
}

/** The attributes the connections table's indexes are keyed on. */
export const ROOM_ATTRIBUTE = "roomId";
export const USER_ATTRIBUTE = "userId";

export const DEFAULT_ROOM_ID = "general";

const ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidRoomId(roomId: string): boolean {
  return ROOM_ID.test(roomId);
}

/** A display name: trimmed, 1 to 32 characters; undefined when it is not one. */
export function displayName(raw: string): string | undefined {
  const trimmed = raw.trim();
  const length = [...trimmed].length;
  return length >= 1 && length <= 32 ? trimmed : undefined;
}

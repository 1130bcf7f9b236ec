import type { Logger } from "@aws-lambda-powertools/logger";
import type { ChatMembership } from "./chat-membership";
import { postAnnouncingDepartures } from "./departures";
import type { ConnectionPost } from "./management-api";

export interface RoomPostOptions {
  post: ConnectionPost;
  membership: ChatMembership;
  /** The field replies carry their kind in (`type` for chat). */
  typeField: string;
  logger: Logger;
}

/**
 * Posts one message to some connections. A connection that answers 410 is removed with its room membership, and its
 * room's others are told `user_left`, as `$disconnect` would have. Returns how many of the first recipients it reached.
 */
export async function postToConnections(options: RoomPostOptions, recipients: readonly string[], payload: Record<string, unknown>): Promise<number> {
  const { post, membership, typeField, logger } = options;
  const result = await postAnnouncingDepartures(
    {
      post,
      logger,
      remove: async (gone) => {
        const old = await membership.removeGone(gone);
        return typeof old?.roomId === "string" ? old : undefined;
      },
      announce: async (old) => {
        const roomId = old.roomId as string;
        return {
          recipients: (await membership.members(roomId)).map((member) => member.connectionId).filter((id) => id !== old.connectionId),
          payload: { [typeField]: "user_left", roomId, userId: old.userId, username: old.username, timestamp: new Date().toISOString() },
        };
      },
    },
    recipients,
    payload,
  );
  return result.delivered;
}

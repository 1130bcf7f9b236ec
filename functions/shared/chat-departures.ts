import type { Logger } from "@aws-lambda-powertools/logger";
import { broadcast } from "./broadcaster";
import type { ChatMembership } from "./chat-membership";
import type { ConnectionPost } from "./management-api";

export interface RoomPostOptions {
  post: ConnectionPost;
  membership: ChatMembership;
  /** The field replies carry their kind in (`type` for chat). */
  typeField: string;
  logger: Logger;
}

/**
 * Posts one message to some connections. A connection that answers 410 is gone without a `$disconnect` having told its
 * room, so it is removed with its membership and its room's others are told `user_left`, as `$disconnect` would have;
 * connections found gone while telling are handled the same way. Each is removed once, so this ends. Returns how many
 * of the first recipients the message reached.
 */
export async function postToConnections(options: RoomPostOptions, recipients: readonly string[], payload: Record<string, unknown>): Promise<number> {
  const { post, membership, typeField, logger } = options;
  const departed: Record<string, unknown>[] = [];
  const onGone = async (gone: string) => {
    logger.info("Removing a gone connection", { gone });
    const old = await membership.remove(gone);
    if (typeof old?.roomId === "string") departed.push(old);
  };
  const onError = (recipient: string, error: unknown) => logger.warn("Post failed", { recipient, error: error as Error });
  const first = await broadcast({ post, recipients, payload, onGone, onError });
  for (let old = departed.shift(); old !== undefined; old = departed.shift()) {
    const roomId = old.roomId as string;
    const others = (await membership.members(roomId)).map((member) => member.connectionId).filter((id) => id !== old!.connectionId);
    await broadcast({
      post,
      recipients: others,
      payload: { [typeField]: "user_left", roomId, userId: old.userId, username: old.username, timestamp: new Date().toISOString() },
      onGone,
      onError,
    });
  }
  return first.delivered;
}

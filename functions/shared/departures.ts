import type { Logger } from "@aws-lambda-powertools/logger";
import { broadcast, type BroadcastResult } from "./broadcaster";
import type { ConnectionPost } from "./management-api";

/** A departure to announce: who must hear of it, and what they are told. */
export interface Announcement {
  recipients: readonly string[];
  payload: unknown;
}

export interface DepartureHandling<Departed> {
  post: ConnectionPost;
  /** Removes a connection that answered 410; returns what must be announced of it, or undefined when nothing must. */
  remove(connectionId: string): Promise<Departed | undefined>;
  /** Who hears of a departure (a room's, a game's others) and what they are told (`user_left`, `peer-left`). */
  announce(departed: Departed): Promise<Announcement>;
  logger: Logger;
}

/**
 * Posts one message to some connections. A connection that answers 410 is gone without a `$disconnect` having told
 * anyone, so it is removed and its departure announced, as `$disconnect` would have; connections found gone while
 * announcing are handled the same way. Each is removed once, so this ends. Returns how the message itself went:
 * delivered, gone and failed among the first recipients.
 */
export async function postAnnouncingDepartures<Departed>(handling: DepartureHandling<Departed>, recipients: readonly string[], payload: unknown): Promise<BroadcastResult> {
  const { post, logger } = handling;
  const departed: Departed[] = [];
  const onGone = async (gone: string) => {
    logger.info("Removing a gone connection", { gone });
    const old = await handling.remove(gone);
    if (old !== undefined) departed.push(old);
  };
  const onError = (recipient: string, error: unknown) => logger.warn("Post failed", { recipient, error: error as Error });
  const first = await broadcast({ post, recipients, payload, onGone, onError });
  for (let old = departed.shift(); old !== undefined; old = departed.shift()) {
    const announcement = await handling.announce(old);
    await broadcast({ post, recipients: announcement.recipients, payload: announcement.payload, onGone, onError });
  }
  return first;
}

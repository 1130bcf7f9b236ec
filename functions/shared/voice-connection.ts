import type { StoredConnection } from "./connection-store";

/** A player's connection to game voice: the channel it hears and the verified player. */
export interface VoiceConnection extends StoredConnection {
  channel: string;
  userId: string;
  username: string;
  /** Epoch milliseconds. */
  connectedAt: number;
}

/** The attribute the connections table's channel index is keyed on. */
export const CHANNEL_ATTRIBUTE = "channel";

const CHANNEL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidChannel(channel: string): boolean {
  return CHANNEL_NAME.test(channel);
}

import type { StoredConnection } from "./connection-store";

/** A player's connection to the signaling server: the verified player and the game it signals in. */
export interface SignalingConnection extends StoredConnection {
  /** The token's `cognito:username`. */
  playerId: string;
  gameId: string;
  /** ISO time of the handshake; of two connections of one player, the later one is the player's. */
  connectedAt: string;
}

/** The attribute the connections table's `gameId-index` is keyed on. */
export const GAME_ATTRIBUTE = "gameId";

const GAME_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidGameId(gameId: string): boolean {
  return GAME_ID.test(gameId);
}

import { ClientError } from "./errors";

/** The query's `playerId` is not the token's player. */
export class PlayerMismatchError extends ClientError {
  readonly code = "PLAYER_MISMATCH";
  override readonly status = 403;
}

export class InvalidGameIdError extends ClientError {
  readonly code = "INVALID_GAME_ID";
}

/** The game already seats its most players. */
export class GameFullError extends ClientError {
  readonly code = "GAME_FULL";
  override readonly status = 403;
}

/** No connection of the target player in the sender's game (games are isolated: another game's player is not found either). */
export class PeerNotFoundError extends ClientError {
  readonly code = "PEER_NOT_FOUND";
}

export class SelfTargetError extends ClientError {
  readonly code = "SELF_TARGET";
}

import type { App, TerraformStack } from "cdktf";
import { ChatStack } from "./chat-stack";
import { GameVoiceStack } from "./game-voice-stack";
import { PokerSignalingStack } from "./poker-signaling-stack";

/**
 * Every system of the product, one stack each, as `main.ts` synthesizes them and the local runtime runs them together.
 * `region`, when given, places every stack there; otherwise each takes its own default (the seeds' regions).
 */
export function composeStacks(app: App, region?: string): TerraformStack[] {
  return [
    new GameVoiceStack(app, "game-voice", { region: region ?? "us-east-1" }),
    new ChatStack(app, "chat", { region: region ?? "us-east-1" }),
    new PokerSignalingStack(app, "poker-signaling", { region: region ?? "us-west-2" }),
  ];
}

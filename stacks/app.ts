import type { App, TerraformStack } from "cdktf";
import { ChatStack } from "./chat-stack";
import { GameVoiceStack } from "./game-voice-stack";

/** Every system of the product, one stack each, as `main.ts` synthesizes them and the local runtime runs them together. */
export function composeStacks(app: App, region: string): TerraformStack[] {
  return [new GameVoiceStack(app, "game-voice", { region }), new ChatStack(app, "chat", { region })];
}

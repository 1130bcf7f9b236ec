import { Testing } from "cdktf";
import { composeStacks } from "../../stacks/app";
import { PokerSignalingStack } from "../../stacks/poker-signaling-stack";
import { synthStackJson } from "../modules/terraform-json";
import { describeSecureDefaults } from "../support/secure-defaults";

// Every stack main.ts synthesizes passes the same checks; a new stack inherits them by being composed there. Settings
// that add resources (TURN's secret) are checked in a variant of their own.
const app = Testing.app();
const variants = [new PokerSignalingStack(app, "poker-signaling-with-turn", { iceServers: { turn: { urls: ["turns:turn.example.com:5349"] } } })];
for (const stack of [...composeStacks(app, "us-east-1"), ...variants]) {
  describeSecureDefaults(stack.node.id, () => synthStackJson(stack));
}

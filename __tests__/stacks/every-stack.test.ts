import { Testing } from "cdktf";
import { composeStacks } from "../../stacks/app";
import { synthStackJson } from "../modules/terraform-json";
import { describeSecureDefaults } from "../support/secure-defaults";

// Every stack main.ts synthesizes passes the same checks; a new stack inherits them by being composed there.
for (const stack of composeStacks(Testing.app(), "us-east-1")) {
  describeSecureDefaults(stack.node.id, () => synthStackJson(stack));
}

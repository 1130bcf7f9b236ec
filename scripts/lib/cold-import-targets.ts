import { basename } from "node:path";
import type { FunctionModel } from "../../local/functions/service";
import { buildStackModel } from "../../local/model/stack-model";
import type { SynthesizedStack } from "../../local/model/terraform-config";

/**
 * The bundles the bench cold-imports, each with a function that deploys it (for its environment): every function of
 * every synthesized stack, one row per bundle, since a bundle two stacks deploy (the authorizer) imports the same.
 */
export function coldImportTargets(stacks: readonly SynthesizedStack[]): Map<string, FunctionModel> {
  const targets = new Map<string, FunctionModel>();
  for (const stack of stacks) {
    for (const fn of buildStackModel(stack, { region: "us-east-1", account: "000000000000" }).functions) {
      const bundle = basename(fn.bundleDir);
      if (!targets.has(bundle)) targets.set(bundle, fn);
    }
  }
  return new Map([...targets].sort(([a], [b]) => a.localeCompare(b)));
}

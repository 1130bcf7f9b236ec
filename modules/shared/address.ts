import type { Node } from "constructs";
import { TerraformElement, TerraformStack } from "cdktf";

/**
 * Construct paths (relative to the stack, e.g. `"user-pool/pool"`) mapped to the logical ids their resources had
 * before they moved into a module. A stack's `allocateLogicalId` consults it, so a deployed stack keeps its
 * Terraform addresses and Terraform does not destroy and recreate what moved.
 */
export type KeptAddresses = Readonly<Record<string, string>>;

/** The logical id `kept` gives the element, or undefined when it names none. */
export function keptLogicalId(stack: TerraformStack, element: TerraformElement | Node, kept: KeptAddresses): string | undefined {
  const node = TerraformElement.isTerraformElement(element) ? element.node : element;
  const scopes = node.scopes;
  const path = scopes
    .slice(scopes.indexOf(stack) + 1)
    .map((scope) => scope.node.id)
    .join("/");
  return kept[path];
}

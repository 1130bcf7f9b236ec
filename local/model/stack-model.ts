import type { ApiGatewayPart } from "../apigateway/service";
import type { CognitoPart } from "../auth/service";
import type { DynamoDbPart } from "../dynamodb/service";
import type { EventBridgePart } from "../eventbridge/service";
import type { LambdaPart } from "../functions/service";
import type { S3Part } from "../s3/service";
import type { SecretsManagerPart } from "../secretsmanager/service";
import { coverageOf, LOCAL_SERVICES } from "../services/registry";
import type { LocalService } from "../services/service";
import type { Value } from "./expression";
import type { LocalSettings } from "./identities";
import { StackResolver, type SynthesizedStack } from "./terraform-config";

/** The local model of one stack: each emulated service's part, with every reference resolved. */
export interface StackModel extends DynamoDbPart, S3Part, SecretsManagerPart, LambdaPart, EventBridgePart, CognitoPart, ApiGatewayPart {
  id: string;
  /** Resource types the runtime does not emulate, with how many of each the stack has. */
  notEmulated: Record<string, number>;
}

/** Builds the local model of one synthesized stack: every service builds its part, in the registry's order. */
export function buildStackModel(stack: SynthesizedStack, settings: LocalSettings, services: readonly LocalService[] = LOCAL_SERVICES): StackModel {
  const { emulatedTypes, computedAttributes } = coverageOf(services);
  const resolver = new StackResolver(stack, settings, computedAttributes);
  const evaluated = (type: string) =>
    resolver.resourcesOf(type).map(([name, raw]) => ({ address: `${type}.${name}`, raw, config: resolver.evaluate(raw) as Record<string, Value> }));
  const model: Partial<StackModel> = {};
  for (const service of services) Object.assign(model, service.model({ stack, resolver, evaluated, model }));

  const notEmulated: Record<string, number> = {};
  for (const [type, blocks] of Object.entries(stack.resources)) {
    if (!emulatedTypes.has(type)) notEmulated[type] = Object.keys(blocks).length;
  }
  return { ...(model as Omit<StackModel, "id" | "notEmulated">), id: stack.id, notEmulated };
}

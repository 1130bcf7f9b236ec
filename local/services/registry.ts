/**
 * The emulated services, in the order the runtime starts them and builds their parts of a model: a service may read
 * the parts of those before it (the WebSocket APIs integrate with the functions). Adding a service is one entry here,
 * its part in `StackModel`, and its own folder.
 */
import { apiGatewayService } from "../apigateway/service";
import { cognitoService } from "../auth/service";
import { dynamoDbService } from "../dynamodb/service";
import { eventBridgeService } from "../eventbridge/service";
import { lambdaService } from "../functions/service";
import { REFERENCED_ATTRIBUTES } from "../model/identities";
import { s3Service } from "../s3/service";
import { secretsManagerService } from "../secretsmanager/service";
import type { ComputedAttributes, LocalService } from "./service";

export const LOCAL_SERVICES: readonly LocalService[] = [dynamoDbService, s3Service, secretsManagerService, lambdaService, eventBridgeService, cognitoService, apiGatewayService];

/** What a list of services emulates and computes, each type owned by exactly one of them. */
export interface ServiceCoverage {
  /** Types the services turn into local resources; every other type is reported, never silently dropped. */
  emulatedTypes: ReadonlySet<string>;
  /** The attributes AWS computes, for the emulated types and for the types they reference. */
  computedAttributes: Record<string, ComputedAttributes>;
}

const coverages = new WeakMap<readonly LocalService[], ServiceCoverage>();

/** Composes the services' declarations; a type that two services claim is an error that names both. */
export function coverageOf(services: readonly LocalService[]): ServiceCoverage {
  const known = coverages.get(services);
  if (known) return known;
  const owners = new Map<string, string>();
  const claim = (type: string, service: LocalService, what: string) => {
    const owner = owners.get(`${what}:${type}`);
    if (owner) throw new Error(`Both ${owner} and ${service.name} declare ${what} ${type}`);
    owners.set(`${what}:${type}`, service.name);
  };
  const computedAttributes: Record<string, ComputedAttributes> = { ...REFERENCED_ATTRIBUTES };
  const emulatedTypes = new Set<string>();
  for (const service of services) {
    for (const type of service.resourceTypes) {
      claim(type, service, "the resource type");
      emulatedTypes.add(type);
    }
    for (const [type, compute] of Object.entries(service.computedAttributes)) {
      if (type in REFERENCED_ATTRIBUTES) throw new Error(`${service.name} computes the attributes of ${type}, which the model computes for every service`);
      claim(type, service, "the computed attributes of");
      computedAttributes[type] = compute;
    }
  }
  const coverage = { emulatedTypes, computedAttributes };
  coverages.set(services, coverage);
  return coverage;
}

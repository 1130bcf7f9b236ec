/**
 * What an emulated service declares to the local runtime. The runtime only composes services
 * (`local/services/registry.ts` lists them); everything a service knows about its own resources is here:
 * the Terraform types it turns into local ones, the attributes AWS would compute for them, how it builds its part of a
 * stack's model, and how it starts, takes each stack's resources, and stops.
 */
import type { Value } from "../model/expression";
import type { LocalSettings } from "../model/identities";
import type { StackModel } from "../model/stack-model";
import type { StackResolver, SynthesizedStack } from "../model/terraform-config";
import type { DeadLetter } from "../eventbridge/target-delivery";
import type { AsyncFailure, LocalFunction } from "../functions/function-host";
import type { StackEndpoints } from "../endpoints";
import type { LocalCallers } from "./credentials";

/** Attributes AWS computes at apply time for one resource, made up locally from its address and configuration. */
export type ComputedAttributes = (
  address: string,
  config: (attribute: string) => Value,
  settings: LocalSettings,
  raw: Record<string, unknown>,
) => Record<string, Value>;

/** One resource of a type, with its configuration evaluated. */
export interface EvaluatedResource {
  address: string;
  /** The block as synthesized, references unresolved. */
  raw: Record<string, unknown>;
  config: Record<string, Value>;
}

/** What a service reads to build its part of one stack's model. */
export interface ModelContext {
  stack: SynthesizedStack;
  resolver: StackResolver;
  /** Every resource of a type, evaluated. */
  evaluated(type: string): EvaluatedResource[];
  /** The parts that services earlier in the registry built (the WebSocket APIs integrate with the functions). */
  model: Partial<StackModel>;
}

/** What the runtime gives every service when it starts. */
export interface RuntimeContext {
  region: string;
  account: string;
  /** The folder that keeps state between runs; each service keeps its own under it. */
  dataDir?: string;
  log(line: string): void;
  /** Seconds between TTL sweeps of the tables. @default - 5 */
  ttlSweepSeconds?: number;
  /** The next port to listen on (0 lets the OS pick one). */
  takePort(): number;
  /** Every stack's model, before the services' own URLs are known (`LocalSettings.localUrls`). */
  models: readonly StackModel[];
  /** Every function of every stack, by name; filled as the stacks load. */
  functions: Map<string, LocalFunction>;
  /** The local access keys in use; a service that checks signatures learns every key issued (`onIssue`). */
  callers: LocalCallers;
  /** Records an asynchronous delivery that gave up (on disk too, with a data folder) and logs `summary`. */
  deadLetter(entry: DeadLetter | AsyncFailure, summary: string): void;
}

/** What a service gets for each stack it takes. */
export interface StackContext {
  model: StackModel;
  /** Variables every function gets from the services: their SDK endpoint variables and settings. */
  functionEnvironment: Record<string, string>;
  /** Hosts that function code builds from request context, and the local URL each is sent to instead. */
  routes: Record<string, string>;
}

/** A started service. Every member but `close` is optional: a service declares what it takes part in. */
export interface RunningService {
  /** Its endpoint under `services` of `endpoints.json`, by its AWS endpoint name. */
  endpoint?: { name: string; url: string };
  /** Variables that point every function's AWS SDK here (`AWS_ENDPOINT_URL_<SERVICE>`), and its settings for this service. */
  functionEnvironment?: Record<string, string>;
  /** Hosts that function code builds from request context (a JWKS issuer, an `@connections` endpoint), sent here. */
  routes?: Record<string, string>;
  /** Base URLs of resources served here, by stack and address, for the model's computed attributes. */
  localUrls?: Record<string, Record<string, string>>;
  /** Takes one stack's resources. */
  load?(stack: StackContext): Promise<void> | void;
  /** Re-queues one stack's work that an earlier run accepted and did not finish; returns how much. Runs after every load. */
  resume?(stack: StackContext): number;
  /** Starts the work that runs by itself (schedules, sweeps) once every stack is loaded and resumed. */
  begin?(): void;
  /** Settles when the service is warm (an environment per function, signing keys); requests that come first wait. */
  warm?(): Promise<void>;
  /** Its part of one stack's entry in `endpoints.json`. */
  describe?(model: StackModel): Partial<StackEndpoints>;
  /** What it runs, for the ready line: "3 table(s)". */
  summary?(): string;
  close(): Promise<void>;
}

export interface LocalService<Part extends object = object, Running extends RunningService = RunningService> {
  /** Its name in logs and errors. */
  name: string;
  /** Terraform resource types it turns into local resources; every other type is reported as not emulated. */
  resourceTypes: readonly string[];
  /** Attributes AWS computes for its types (and for types it only reads, such as an API's stage). */
  computedAttributes: Record<string, ComputedAttributes>;
  /** Its part of one stack's model. */
  model(context: ModelContext): Part;
  start(context: RuntimeContext): Promise<Running>;
}

/** Declares a service, keeping its own part and running types. */
export function defineService<Part extends object, Running extends RunningService>(service: LocalService<Part, Running>): LocalService<Part, Running> {
  return service;
}

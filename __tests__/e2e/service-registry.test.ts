import { join } from "node:path";
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime } from "../../local/runtime";
import { coverageOf, LOCAL_SERVICES } from "../../local/services/registry";
import { defineService, type LocalService, type StackContext } from "../../local/services/service";
import { prepareVoiceProject } from "./support";

/** A service that declares one of everything a service may declare, and records what the runtime does with it. */
function probeService(calls: string[], failStart = false) {
  const loads: StackContext[] = [];
  const service = defineService({
    name: "Probe",
    resourceTypes: ["aws_sqs_queue_policy"],
    computedAttributes: {},
    model: ({ model }) => ({ probeSawFunctions: (model.functions ?? []).length }),
    start: async (context) => {
      calls.push(`start:${context.models.map((model) => model.id).join(",")}`);
      if (failStart) throw new Error("probe cannot start");
      return {
        endpoint: { name: "probe", url: "http://127.0.0.1:9" },
        functionEnvironment: { AWS_ENDPOINT_URL_PROBE: "http://127.0.0.1:9" },
        routes: { "probe.us-east-1.amazonaws.com": "http://127.0.0.1:9" },
        load: (stack: StackContext) => {
          loads.push(stack);
          calls.push(`load:${stack.model.id}`);
        },
        resume: () => {
          calls.push("resume");
          return 0;
        },
        begin: () => calls.push("begin"),
        describe: () => ({ http: "http://127.0.0.1:9/probe" }),
        summary: () => "1 probe(s)",
        close: async () => {
          calls.push("close");
        },
      };
    },
  });
  return { service: service as LocalService, loads };
}

describe("the service registry", () => {
  it("does give every emulated resource type exactly one service", () => {
    // prepare
    const claims = LOCAL_SERVICES.flatMap((service) => service.resourceTypes);
    // assess
    expect(new Set(claims).size).toBe(claims.length);
    expect(coverageOf(LOCAL_SERVICES).emulatedTypes.size).toBe(claims.length);
  });

  it("does refuse two services that claim one type, naming both", () => {
    // prepare
    const dynamo = LOCAL_SERVICES.find((service) => service.name === "DynamoDB")!;
    const impostor = { ...dynamo, name: "Impostor", computedAttributes: {} };
    // act and assess
    expect(() => coverageOf([dynamo, impostor])).toThrow("Both DynamoDB and Impostor declare the resource type aws_dynamodb_table");
  });
});

describe("the runtime composing the registry and one more service", () => {
  let root: string;
  const calls: string[] = [];
  const logs: string[] = [];
  const probe = probeService(calls);
  let runtime: Awaited<ReturnType<typeof startRuntime>>;

  beforeAll(async () => {
    root = prepareVoiceProject();
    runtime = await startRuntime({ outDir: join(root, "cdktf.out"), services: [...LOCAL_SERVICES, probe.service], log: (line) => logs.push(line) });
  });

  afterAll(async () => {
    await runtime?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it("does start it, hand it every stack, resume, then begin, in that order, and take its part of the endpoints", () => {
    // assess
    expect(calls).toEqual(["start:game-voice", "load:game-voice", "resume", "begin"]);
    expect(runtime.endpoints.services.probe).toBe("http://127.0.0.1:9");
    expect(runtime.endpoints.stacks["game-voice"].http).toBe("http://127.0.0.1:9/probe");
    expect(logs.some((line) => line.includes("1 probe(s)"))).toBe(true);
    expect((runtime.models[0] as unknown as { probeSawFunctions: number }).probeSawFunctions).toBe(runtime.models[0].functions.length);
    expect(runtime.notEmulated).not.toHaveProperty("aws_sqs_queue_policy");
  });

  it("does give every stack's functions what every service adds: its SDK variables and its routed hosts", () => {
    // prepare
    const [stack] = probe.loads;
    // assess
    expect(stack.functionEnvironment).toMatchObject({
      AWS_ENDPOINT_URL_PROBE: "http://127.0.0.1:9",
      AWS_ENDPOINT_URL_DYNAMODB: runtime.endpoints.services.dynamodb,
      AWS_ENDPOINT_URL_S3: runtime.endpoints.services.s3,
      AWS_ENDPOINT_URL_EVENTBRIDGE: runtime.endpoints.services.events,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: runtime.endpoints.services.secretsmanager,
    });
    expect(stack.routes).toMatchObject({ "probe.us-east-1.amazonaws.com": "http://127.0.0.1:9", "cognito-idp.us-east-1.amazonaws.com": runtime.endpoints.services.auth });
  });
});

describe("the runtime when a service fails to start", () => {
  it("does stop the services already started and report the failure", async () => {
    // prepare
    const root = prepareVoiceProject();
    const calls: string[] = [];
    const started = probeService(calls);
    const failing = probeService(calls, true);
    try {
      // act
      const services = [...LOCAL_SERVICES.slice(0, 1), started.service, { ...failing.service, name: "Failing probe", resourceTypes: [] }];
      const starting = startRuntime({ outDir: join(root, "cdktf.out"), services, log: () => undefined });
      // assess
      await expect(starting).rejects.toThrow("probe cannot start");
      expect(calls).toEqual(["start:game-voice", "start:game-voice", "close"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

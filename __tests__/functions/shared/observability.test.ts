import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { describe, expect, it } from "vitest";
import { METRICS_NAMESPACE, MetricUnit, observability } from "../../../functions/shared/observability";
import { setBaseEnvironment } from "../support";

setBaseEnvironment();

describe("observability", () => {
  it("does give a logger and EMF metrics in the project namespace with the service as dimension when asked for a service", () => {
    // prepare
    const { logger, metrics } = observability("voice-test");
    metrics.addMetric("Probe", MetricUnit.Count, 1);
    // act
    const emf = metrics.serializeMetrics();
    // assess
    expect(logger).toBeInstanceOf(Logger);
    expect(metrics).toBeInstanceOf(Metrics);
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe(METRICS_NAMESPACE);
    expect(emf._aws.CloudWatchMetrics[0].Metrics).toEqual([{ Name: "Probe", Unit: "Count" }]);
    expect(emf.service).toBe("voice-test");
  });
});

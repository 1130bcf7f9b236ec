import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

export { MetricUnit };

export const METRICS_NAMESPACE = "RealtimeGameBackends";

/** Clears the previous invocation's keys, then tags every log line of this one with `keys`. */
export function startInvocation(logger: Logger, keys: Record<string, unknown>): void {
  logger.resetKeys();
  logger.appendKeys(keys);
}

/** A structured JSON logger and an EMF metrics recorder for one function. */
export function observability(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

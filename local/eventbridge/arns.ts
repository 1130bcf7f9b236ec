/** ARNs of buses and rules, in the forms AWS gives them. */

export const DEFAULT_BUS = "default";

export function eventBusArn(region: string, account: string, busName: string): string {
  return `arn:aws:events:${region}:${account}:event-bus/${busName}`;
}

/** Rules on the default bus have no bus segment in their ARN. */
export function eventRuleArn(region: string, account: string, busName: string, ruleName: string): string {
  const path = busName === DEFAULT_BUS ? ruleName : `${busName}/${ruleName}`;
  return `arn:aws:events:${region}:${account}:rule/${path}`;
}

/** EventBusName parameters take a name or an ARN; an absent one means the default bus. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined || nameOrArn === "") return DEFAULT_BUS;
  const match = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return match ? match[1] : nameOrArn;
}

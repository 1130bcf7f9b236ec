import { Fn } from "cdktf";

/**
 * The parts of an ARN that Terraform only knows at apply time, split out of a resource's own ARN.
 * Taking them from a resource we create avoids `aws_caller_identity`, which calls AWS at plan time.
 */
export interface ArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

export function arnParts(arn: string): ArnParts {
  const parts = Fn.split(":", arn);
  return {
    partition: Fn.element(parts, 1),
    region: Fn.element(parts, 3),
    account: Fn.element(parts, 4),
  };
}

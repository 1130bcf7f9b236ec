import { Construct } from "constructs";
import {
  DataAwsIamPolicyDocument,
  type DataAwsIamPolicyDocumentStatement,
} from "@cdktf/provider-aws/lib/data-aws-iam-policy-document";

export type PolicyStatement = DataAwsIamPolicyDocumentStatement;

/** A policy document rendered locally by the AWS provider; it never calls AWS. */
export function policyDocument(
  scope: Construct,
  id: string,
  statements: PolicyStatement[],
): DataAwsIamPolicyDocument {
  return new DataAwsIamPolicyDocument(scope, id, { statement: statements });
}

/** Denies every request to `resources` that does not arrive over TLS. */
export function denyInsecureTransport(resources: string[]): PolicyStatement {
  return {
    sid: "DenyInsecureTransport",
    effect: "Deny",
    actions: ["*"],
    resources,
    principals: [{ type: "*", identifiers: ["*"] }],
    condition: [{ test: "Bool", variable: "aws:SecureTransport", values: ["false"] }],
  };
}

import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../scripts/lib/paths";
import { REGISTRY_UNREACHABLE } from "../../scripts/lib/plan-review";

const terraformInstalled = spawnSync("terraform", ["version"], { stdio: "ignore" }).status === 0;
const required = process.env.REQUIRE_TERRAFORM === "1";

if (!terraformInstalled) {
  console.warn(
    required
      ? "plan tier: Terraform is required (REQUIRE_TERRAFORM=1) but not on PATH"
      : "plan tier SKIPPED: Terraform is not on PATH, so `npm run plan` was not run",
  );
}

describe("plan review of every stack", () => {
  it.runIf(required && !terraformInstalled)("fails when Terraform is required but missing", () => {
    expect.fail("Terraform CLI not found on PATH; CI needs it for the plan tier");
  });

  it.runIf(terraformInstalled)(
    "plans every resource of every stack with the real AWS provider when run offline",
    (context) => {
      const env = { ...process.env };
      // An offline plan must not pick up a developer's credentials.
      for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
        delete env[name];
      }

      // npm test built the bundles already; rebuilding them here would race the tests that run them.
      const result = spawnSync("npx", ["tsx", "scripts/plan.ts", "--no-build"], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
      // Offline with no mirror there are no providers to plan with; CI (REQUIRE_TERRAFORM=1) always has them.
      if (!required && result.stderr.includes(REGISTRY_UNREACHABLE)) {
        console.warn(`plan tier SKIPPED: ${REGISTRY_UNREACHABLE}`);
        context.skip(REGISTRY_UNREACHABLE);
      }

      expect(result.stderr + result.stdout).not.toMatch(/plan: .*failed/);
      expect(result.status).toBe(0);
      const summary = result.stdout.match(/^game-voice: (\d+) to add, 0 to change, 0 to destroy/m);
      expect(summary).not.toBeNull();
      expect(Number(summary![1])).toBeGreaterThan(90);
      expect(result.stdout).toMatch(/\+\s+7 aws_lambda_function/);
      const chat = result.stdout.match(/^chat: (\d+) to add, 0 to change, 0 to destroy/m);
      expect(chat).not.toBeNull();
      expect(Number(chat![1])).toBeGreaterThan(50);
      const poker = result.stdout.match(/^poker-signaling: (\d+) to add, 0 to change, 0 to destroy/m);
      expect(poker).not.toBeNull();
      expect(Number(poker![1])).toBeGreaterThan(25);
      const reviewed = readFileSync(join(PROJECT_ROOT, "cdktf.out", "stacks", "game-voice", "cdk.tf.json"), "utf8");
      expect(reviewed).not.toContain(PROJECT_ROOT);
    },
    300_000,
  );
});

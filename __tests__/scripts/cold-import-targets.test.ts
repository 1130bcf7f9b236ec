import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { readSynthesizedStacks } from "../../local/model/terraform-config";
import { functionNames } from "../../scripts/lib/bundle";
import { coldImportTargets } from "../../scripts/lib/cold-import-targets";
import { composeStacks } from "../../stacks/app";

describe("bench cold-import targets", () => {
  it("does cover every function bundle the build makes, once each, when every stack of the app is synthesized", () => {
    // prepare
    const outDir = mkdtempSync(join(tmpdir(), "cold-import-"));
    for (const stack of composeStacks(Testing.app(), "us-east-1")) {
      mkdirSync(join(outDir, "stacks", stack.node.id), { recursive: true });
      writeFileSync(join(outDir, "stacks", stack.node.id, "cdk.tf.json"), Testing.synth(stack));
    }
    const stacks = readSynthesizedStacks(outDir);

    // act
    const targets = coldImportTargets(stacks);

    // assess
    expect(stacks.map((stack) => stack.id)).toEqual(["chat", "game-voice", "poker-signaling"]);
    expect([...targets.keys()]).toEqual(functionNames());
    expect(targets.get("chat-message")?.name).toBe("chat-message");
    expect(targets.get("validate-audio")?.name).toBe("game-voice-validate-audio");
    expect(targets.get("signaling")?.name).toBe("poker-signaling-handler");
  });
});

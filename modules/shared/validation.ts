import { Aspects, type IAspect } from "cdktf";
import type { IConstruct } from "constructs";

/**
 * Makes every synthesis of `construct` fail with its validation errors (`construct.node.addValidation`).
 * `app.synth()` (hence `cdktf synth`) and `Testing.fullSynth` run validations themselves, but `Testing.synth` and
 * `Testing.synthScope` only run aspects; an aspect that throws stops all four.
 */
export function refuseInvalidAtSynth(construct: IConstruct): void {
  const aspect: IAspect = {
    visit: (node) => {
      if (node !== construct) return;
      const errors = construct.node.validate();
      if (errors.length > 0) {
        throw new Error(errors.join("\n"));
      }
    },
  };
  Aspects.of(construct).add(aspect);
}

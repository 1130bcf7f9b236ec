import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EnvironmentError, positiveInteger, readEnvironment } from "../../../functions/shared/env";

describe("readEnvironment", () => {
  it("does return every named variable when all are set", () => {
    // prepare
    const env = { A: "1", B: "two", C: "unused" };
    // act
    const values = readEnvironment(["A", "B"], env);
    // assess
    expect(values).toEqual({ A: "1", B: "two" });
  });

  it.each([
    ["missing", {}],
    ["empty", { TABLE: "" }],
  ])("does throw EnvironmentError naming the variable when it is %s", (_name, env) => {
    // prepare: the environment above
    // act
    const act = () => readEnvironment(["TABLE"], env);
    // assess
    expect(act).toThrow(EnvironmentError);
    expect(act).toThrow("Environment variable TABLE is not set");
  });

  it("does name the first missing variable when several are missing", () => {
    // prepare
    const env = { A: "1" };
    // act
    const act = () => readEnvironment(["A", "B", "C"], env);
    // assess
    expect(act).toThrow("Environment variable B is not set");
  });

  it("does read process.env when no environment is given", () => {
    // prepare
    process.env.ENV_TEST_VARIABLE = "from-process";
    // act
    const values = readEnvironment(["ENV_TEST_VARIABLE"]);
    // assess
    expect(values.ENV_TEST_VARIABLE).toBe("from-process");
    delete process.env.ENV_TEST_VARIABLE;
  });
});

describe("positiveInteger", () => {
  it("does return the number when the value is a positive integer", () => {
    // prepare
    const value = "16000";
    // act
    const parsed = positiveInteger("SAMPLE_RATE_HZ", value);
    // assess
    expect(parsed).toBe(16000);
  });

  it.each(["0", "-1", "1.5", "abc", "", "9007199254740993", "NaN", "Infinity"])(
    "does throw EnvironmentError quoting the value when the value is %j",
    (value) => {
      // prepare: the value above
      // act
      const act = () => positiveInteger("MAX_AUDIO_BYTES", value);
      // assess
      expect(act).toThrow(EnvironmentError);
      expect(act).toThrow(`MAX_AUDIO_BYTES must be a positive integer, got "${value}"`);
    },
  );

  it("does round-trip any positive safe integer when given its decimal text", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (value) => {
        // prepare
        const text = String(value);
        // act
        const parsed = positiveInteger("X", text);
        // assess
        expect(parsed).toBe(value);
      }),
    );
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../local/apigateway/token-bucket";

describe("TokenBucket", () => {
  it("does let a burst of its size through at once and throttle the next request", () => {
    // prepare
    const bucket = new TokenBucket(10, 3, 0);
    // act
    const taken = [bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)];
    // assess
    expect(taken).toEqual([true, true, true, false]);
  });

  it("does refill at the rate and never above the burst when time passes", () => {
    // prepare
    const bucket = new TokenBucket(10, 3, 0);
    for (let index = 0; index < 3; index++) bucket.take(0);
    // act: 100 ms refills one token; a long pause refills only up to the burst
    const afterTenth = [bucket.take(100), bucket.take(100)];
    const afterPause = Array.from({ length: 5 }, () => bucket.take(60_000));
    // assess
    expect(afterTenth).toEqual([true, false]);
    expect(afterPause).toEqual([true, true, true, false, false]);
  });

  it("does admit at most burst + rate * seconds requests over any schedule", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 50 }), fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 300 }), (rate, burst, gaps) => {
        const bucket = new TokenBucket(rate, burst, 0);
        let now = 0;
        let admitted = 0;
        for (const gap of gaps) {
          now += gap;
          if (bucket.take(now)) admitted++;
        }
        expect(admitted).toBeLessThanOrEqual(burst + Math.floor((now / 1000) * rate));
      }),
    );
  });
});

import fc from "fast-check";
import { describe, it, expect } from "vitest";
import {
  InvalidEventPatternError,
  matchesEventPattern,
  parseEventPattern,
} from "../../local/eventbridge/event-pattern";

// Examples come from the EventBridge user guide pages "Event patterns", "Arrays in event
// patterns", "Matching null values and empty strings", "Content filtering in event patterns" and
// "Comparison operators", plus the aws/event-ruler README where the guide defers to it.

const ec2Event = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

const autoScalingEvent = {
  version: "0",
  id: "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful",
  source: "aws.autoscaling",
  account: "123456789012",
  time: "2015-11-11T21:31:47Z",
  region: "us-east-1",
  resources: [],
  detail: { eventVersion: "", responseElements: null },
};

/** Builds an event whose detail holds the given fields. */
function eventWithDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return { source: "aws.ec2", "detail-type": "Test", detail };
}

describe("event pattern structure", () => {
  it("matches when source, detail-type and a nested detail field all match", () => {
    const pattern = {
      source: ["aws.ec2"],
      "detail-type": ["EC2 Instance State-change Notification"],
      detail: { state: ["terminated"] },
    };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(true);
  });

  it("does not match when one named field has another value", () => {
    const pattern = { source: ["aws.ec2"], detail: { state: ["terminated"] } };
    const event = { ...ec2Event, detail: { ...ec2Event.detail, state: "running" } };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when a field named in the pattern is missing from the event", () => {
    const pattern = { source: ["aws.ec2"], detail: { "c-count": [5] } };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });

  it("does not match when the field is present with a different nesting", () => {
    const pattern = { detail: { state: ["terminated"] } };
    const event = { state: "terminated", detail: {} };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("matches when the event value is any of the listed values", () => {
    const pattern = { source: ["aws.ec2", "aws.fargate"] };
    const event = { ...ec2Event, source: "aws.fargate" };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when the string differs only in case", () => {
    const pattern = { source: ["AWS.EC2"] };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });

  it("matches numbers when the event value equals the pattern value", () => {
    const pattern = {
      source: ["aws.macie"],
      "detail-type": ["Macie Alert"],
      detail: { "risk-score": [80], trigger: { risk: [8] } },
    };
    const event = {
      source: "aws.macie",
      "detail-type": "Macie Alert",
      detail: { "risk-score": 80, trigger: { "alert-type": "basic", risk: 8 } },
    };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches numbers numerically when they are written differently", () => {
    const pattern = '{ "x-limit": [300] }';
    const event = JSON.parse('{ "x-limit": 3.0e2 }') as unknown;

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when a string holds the number the pattern lists", () => {
    const pattern = { detail: { "risk-score": [80] } };
    const event = eventWithDetail({ "risk-score": "80" });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when a number holds the string the pattern lists", () => {
    const pattern = { detail: { "risk-score": ["80"] } };
    const event = eventWithDetail({ "risk-score": 80 });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("matches booleans when the event holds the same boolean", () => {
    const pattern = { detail: { enabled: [true] } };

    const matchedTrue = matchesEventPattern(pattern, eventWithDetail({ enabled: true }));
    const matchedFalse = matchesEventPattern(pattern, eventWithDetail({ enabled: false }));

    expect(matchedTrue).toBe(true);
    expect(matchedFalse).toBe(false);
  });

  it("does not match when the pattern expects an object and the event holds a leaf value", () => {
    const pattern = { detail: { state: ["terminated"] } };
    const event = { ...ec2Event, detail: "terminated" };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when the pattern expects a leaf and the event holds an object", () => {
    const pattern = { detail: ["terminated"] };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });
});

describe("null values and empty strings", () => {
  it("matches when the pattern lists null and the event field is null", () => {
    const pattern = {
      source: ["aws.autoscaling"],
      "detail-type": ["EC2 Instance Launch Successful"],
      detail: { responseElements: [null] },
    };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(true);
  });

  it("matches when the pattern lists an empty string and the event field is empty", () => {
    const pattern = { detail: { eventVersion: [""] } };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(true);
  });

  it("does not match when the pattern lists an empty string and the event field is null", () => {
    const pattern = { detail: { responseElements: [""] } };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(false);
  });

  it("does not match when the pattern lists null and the event field is an empty string", () => {
    const pattern = { detail: { eventVersion: [null] } };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(false);
  });

  it("does not match null when the field is missing", () => {
    const pattern = { detail: { UserID: [null] } };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(false);
  });
});

describe("arrays", () => {
  const resourcesPattern = {
    resources: [
      "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
      "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
    ],
  };

  it("matches when the pattern array and the event array intersect", () => {
    const event = {
      resources: [
        "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
        "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
      ],
    };

    const matched = matchesEventPattern(resourcesPattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when the pattern array and the event array do not intersect", () => {
    const event = { resources: ["arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"] };

    const matched = matchesEventPattern(resourcesPattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when the event array is empty", () => {
    const matched = matchesEventPattern(resourcesPattern, { resources: [] });

    expect(matched).toBe(false);
  });

  it("matches values inside nested event arrays", () => {
    const pattern = { tags: ["b"] };
    const event = { tags: [["a"], ["b", "c"]] };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches a nested pattern when any object of an event array matches it", () => {
    const pattern = { employees: { firstName: ["Anna"] } };
    const event = {
      employees: [
        { firstName: "John", lastName: "Doe" },
        { firstName: "Anna", lastName: "Smith" },
        { firstName: "Peter", lastName: "Jones" },
      ],
    };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when the fields match only in different elements of an event array", () => {
    const pattern = { employees: { firstName: ["Anna"], lastName: ["Jones"] } };
    const event = {
      employees: [
        { firstName: "Anna", lastName: "Smith" },
        { firstName: "Peter", lastName: "Jones" },
      ],
    };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });
});

describe("prefix matching", () => {
  it("matches when the string starts with the prefix", () => {
    const pattern = { time: [{ prefix: "2017-10-02" }] };
    const event = { ...ec2Event, time: "2017-10-02T18:43:48Z" };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when the string starts differently", () => {
    const pattern = { time: [{ prefix: "2017-10-02" }] };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });

  it("does not match when the value is a number", () => {
    const pattern = { detail: { code: [{ prefix: "12" }] } };

    const matched = matchesEventPattern(pattern, eventWithDetail({ code: 123 }));

    expect(matched).toBe(false);
  });

  it("matches any casing when the prefix uses equals-ignore-case", () => {
    const pattern = { detail: { service: [{ prefix: { "equals-ignore-case": "EventB" } }] } };

    const matchedUpper = matchesEventPattern(pattern, eventWithDetail({ service: "EVENTBRIDGE" }));
    const matchedLower = matchesEventPattern(pattern, eventWithDetail({ service: "eventbridge" }));
    const matchedOther = matchesEventPattern(pattern, eventWithDetail({ service: "Amazon EventBridge" }));

    expect(matchedUpper).toBe(true);
    expect(matchedLower).toBe(true);
    expect(matchedOther).toBe(false);
  });
});

describe("suffix matching", () => {
  it("matches when the string ends with the suffix", () => {
    const pattern = { FileName: [{ suffix: ".png" }] };

    const matched = matchesEventPattern(pattern, { FileName: "image.png" });

    expect(matched).toBe(true);
  });

  it("does not match when the suffix differs in case", () => {
    const pattern = { FileName: [{ suffix: ".png" }] };

    const matched = matchesEventPattern(pattern, { FileName: "image.PNG" });

    expect(matched).toBe(false);
  });

  it("does not match when the string ends differently", () => {
    const pattern = { FileName: [{ suffix: ".png" }] };

    const matched = matchesEventPattern(pattern, { FileName: "image.jpg" });

    expect(matched).toBe(false);
  });

  it("matches any casing when the suffix uses equals-ignore-case", () => {
    const pattern = { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } };

    const matchedUpper = matchesEventPattern(pattern, eventWithDetail({ FileName: "image.PNG" }));
    const matchedOther = matchesEventPattern(pattern, eventWithDetail({ FileName: "image.jpg" }));

    expect(matchedUpper).toBe(true);
    expect(matchedOther).toBe(false);
  });
});

describe("equals-ignore-case matching", () => {
  const pattern = { Name: [{ "equals-ignore-case": "alice" }] };

  it("matches when the string equals the value in another casing", () => {
    const matchedUpper = matchesEventPattern(pattern, { Name: "ALICE" });
    const matchedTitle = matchesEventPattern(pattern, { Name: "Alice" });

    expect(matchedUpper).toBe(true);
    expect(matchedTitle).toBe(true);
  });

  it("does not match when the string only starts with the value", () => {
    const matched = matchesEventPattern(pattern, { Name: "Alicia" });

    expect(matched).toBe(false);
  });
});

describe("wildcard matching", () => {
  it("matches a png file in the dir folder when the wildcard is dir/*.png", () => {
    const pattern = { FileName: [{ wildcard: "dir/*.png" }] };

    const matchedDirect = matchesEventPattern(pattern, { FileName: "dir/apple.png" });
    const matchedNested = matchesEventPattern(pattern, { FileName: "dir/fruit/apple.png" });

    expect(matchedDirect).toBe(true);
    expect(matchedNested).toBe(true);
  });

  it("does not match when the fixed parts of the wildcard are missing", () => {
    const pattern = { FileName: [{ wildcard: "dir/*.png" }] };

    const matchedOtherDir = matchesEventPattern(pattern, { FileName: "other/apple.png" });
    const matchedOtherType = matchesEventPattern(pattern, { FileName: "dir/apple.jpg" });

    expect(matchedOtherDir).toBe(false);
    expect(matchedOtherType).toBe(false);
  });

  it("matches text in the middle when the wildcard has several stars", () => {
    const pattern = { title: [{ wildcard: "*Title*" }] };

    const matchedMiddle = matchesEventPattern(pattern, { title: "My Title here" });
    const matchedBare = matchesEventPattern(pattern, { title: "Title" });
    const matchedOther = matchesEventPattern(pattern, { title: "My title" });

    expect(matchedMiddle).toBe(true);
    expect(matchedBare).toBe(true);
    expect(matchedOther).toBe(false);
  });

  it("matches an empty string when the wildcard is a lone star", () => {
    const pattern = { name: [{ wildcard: "*" }] };

    const matched = matchesEventPattern(pattern, { name: "" });

    expect(matched).toBe(true);
  });

  it("does not match when pieces between stars would overlap", () => {
    const pattern = { name: [{ wildcard: "ab*ba" }] };

    const matchedShort = matchesEventPattern(pattern, { name: "aba" });
    const matchedLong = matchesEventPattern(pattern, { name: "abba" });

    expect(matchedShort).toBe(false);
    expect(matchedLong).toBe(true);
  });

  it("matches a literal star when the star is escaped", () => {
    const pattern = { name: [{ wildcard: "a\\*b" }] };

    const matchedStar = matchesEventPattern(pattern, { name: "a*b" });
    const matchedOther = matchesEventPattern(pattern, { name: "axb" });

    expect(matchedStar).toBe(true);
    expect(matchedOther).toBe(false);
  });

  it("matches a literal backslash when the backslash is escaped", () => {
    const pattern = { path: [{ wildcard: "C:\\\\*" }] };

    const matched = matchesEventPattern(pattern, { path: "C:\\Windows" });

    expect(matched).toBe(true);
  });

  it("does not match when the value is not a string", () => {
    const pattern = { count: [{ wildcard: "*" }] };

    const matched = matchesEventPattern(pattern, { count: 5 });

    expect(matched).toBe(false);
  });
});

describe("anything-but matching", () => {
  it("matches when the string is not the excluded one", () => {
    const pattern = { detail: { state: [{ "anything-but": "initializing" }] } };

    const matchedRunning = matchesEventPattern(pattern, eventWithDetail({ state: "running" }));
    const matchedExcluded = matchesEventPattern(pattern, eventWithDetail({ state: "initializing" }));

    expect(matchedRunning).toBe(true);
    expect(matchedExcluded).toBe(false);
  });

  it("does not match when the field is missing", () => {
    const pattern = { detail: { state: [{ "anything-but": "initializing" }] } };

    const matched = matchesEventPattern(pattern, eventWithDetail({}));

    expect(matched).toBe(false);
  });

  it("matches when the number is not the excluded one", () => {
    const pattern = { detail: { "x-limit": [{ "anything-but": 123 }] } };

    const matchedOther = matchesEventPattern(pattern, eventWithDetail({ "x-limit": 124 }));
    const matchedExcluded = matchesEventPattern(pattern, eventWithDetail({ "x-limit": 123 }));

    expect(matchedOther).toBe(true);
    expect(matchedExcluded).toBe(false);
  });

  it("matches when the string is not in the excluded list", () => {
    const pattern = { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } };

    const matchedRunning = matchesEventPattern(pattern, eventWithDetail({ state: "running" }));
    const matchedStopped = matchesEventPattern(pattern, eventWithDetail({ state: "stopped" }));

    expect(matchedRunning).toBe(true);
    expect(matchedStopped).toBe(false);
  });

  it("matches when the number is not in the excluded list", () => {
    const pattern = { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } };

    const matchedOther = matchesEventPattern(pattern, eventWithDetail({ "x-limit": 301.8 }));
    const matchedExcluded = matchesEventPattern(pattern, eventWithDetail({ "x-limit": 200 }));

    expect(matchedOther).toBe(true);
    expect(matchedExcluded).toBe(false);
  });

  it("matches any other value when only strings are excluded", () => {
    const pattern = { detail: { state: [{ "anything-but": ["stopped"] }] } };

    const matchedNumber = matchesEventPattern(pattern, eventWithDetail({ state: 5 }));
    const matchedNull = matchesEventPattern(pattern, eventWithDetail({ state: null }));

    expect(matchedNumber).toBe(true);
    expect(matchedNull).toBe(true);
  });

  it("matches a numeric string when only numbers are excluded", () => {
    const pattern = { detail: { "x-limit": [{ "anything-but": [100] }] } };

    const matched = matchesEventPattern(pattern, eventWithDetail({ "x-limit": "100" }));

    expect(matched).toBe(true);
  });

  it("matches when any element of an event array is not excluded", () => {
    const pattern = { detail: { state: [{ "anything-but": "initializing" }] } };

    const matchedMixed = matchesEventPattern(
      pattern,
      eventWithDetail({ state: ["initializing", "running"] }),
    );
    const matchedOnlyExcluded = matchesEventPattern(
      pattern,
      eventWithDetail({ state: ["initializing"] }),
    );

    expect(matchedMixed).toBe(true);
    expect(matchedOnlyExcluded).toBe(false);
  });

  it("matches when the string does not start with the excluded prefix", () => {
    const pattern = { detail: { state: [{ "anything-but": { prefix: "init" } }] } };

    const matchedRunning = matchesEventPattern(pattern, eventWithDetail({ state: "running" }));
    const matchedInit = matchesEventPattern(pattern, eventWithDetail({ state: "initializing" }));

    expect(matchedRunning).toBe(true);
    expect(matchedInit).toBe(false);
  });

  it("matches when the region does not start with any excluded prefix", () => {
    const pattern = { Region: [{ "anything-but": { prefix: ["us-", "eu-"] } }] };

    const matchedAsia = matchesEventPattern(pattern, { Region: "ap-southeast-2" });
    const matchedEurope = matchesEventPattern(pattern, { Region: "eu-west-1" });

    expect(matchedAsia).toBe(true);
    expect(matchedEurope).toBe(false);
  });

  it("matches when the file name does not end with the excluded suffix", () => {
    const pattern = { FileName: [{ "anything-but": { suffix: ".png" } }] };

    const matchedText = matchesEventPattern(pattern, { FileName: "notes.txt" });
    const matchedImage = matchesEventPattern(pattern, { FileName: "image.png" });

    expect(matchedText).toBe(true);
    expect(matchedImage).toBe(false);
  });

  it("matches when the file name ends with none of the excluded suffixes", () => {
    const pattern = { FileName: [{ "anything-but": { suffix: [".txt", ".rtf"] } }] };

    const matchedImage = matchesEventPattern(pattern, { FileName: "image.png" });
    const matchedDocument = matchesEventPattern(pattern, { FileName: "document.rtf" });

    expect(matchedImage).toBe(true);
    expect(matchedDocument).toBe(false);
  });

  it("does not match any casing of the excluded value when it uses equals-ignore-case", () => {
    const pattern = {
      detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] },
    };

    const matchedUpper = matchesEventPattern(pattern, eventWithDetail({ state: "INITIALIZING" }));
    const matchedOther = matchesEventPattern(pattern, eventWithDetail({ state: "running" }));

    expect(matchedUpper).toBe(false);
    expect(matchedOther).toBe(true);
  });

  it("does not match any casing of the excluded values when equals-ignore-case has a list", () => {
    const pattern = {
      detail: { state: [{ "anything-but": { "equals-ignore-case": ["initializing", "stopped"] } }] },
    };

    const matchedStopped = matchesEventPattern(pattern, eventWithDetail({ state: "Stopped" }));
    const matchedRunning = matchesEventPattern(pattern, eventWithDetail({ state: "running" }));

    expect(matchedStopped).toBe(false);
    expect(matchedRunning).toBe(true);
  });

  it("matches when the path does not fit the excluded wildcard", () => {
    const pattern = { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] };

    const matchedBin = matchesEventPattern(pattern, { FilePath: "/usr/bin/tool" });
    const matchedLib = matchesEventPattern(pattern, { FilePath: "/usr/lib/tool" });

    expect(matchedBin).toBe(true);
    expect(matchedLib).toBe(false);
  });

  it("matches when the path fits none of the excluded wildcards", () => {
    const pattern = { FilePath: [{ "anything-but": { wildcard: ["*/lib/*", "*/bin/*"] } }] };

    const matchedEtc = matchesEventPattern(pattern, { FilePath: "/etc/tool" });
    const matchedBin = matchesEventPattern(pattern, { FilePath: "/usr/bin/tool" });

    expect(matchedEtc).toBe(true);
    expect(matchedBin).toBe(false);
  });

  it("matches a missing field when anything-but is combined with exists false", () => {
    const pattern = {
      detail: { state: [{ "anything-but": "initializing" }, { exists: false }] },
    };

    const matchedMissing = matchesEventPattern(pattern, eventWithDetail({}));
    const matchedExcluded = matchesEventPattern(pattern, eventWithDetail({ state: "initializing" }));

    expect(matchedMissing).toBe(true);
    expect(matchedExcluded).toBe(false);
  });
});

describe("numeric matching", () => {
  const pattern = {
    detail: {
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ numeric: ["=", 3.018e2] }],
    },
  };

  it("matches when every numeric condition holds", () => {
    const event = eventWithDetail({ "c-count": 5, "d-count": 3, "x-limit": 301.8 });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when a value falls outside an open bound", () => {
    const event = eventWithDetail({ "c-count": 0, "d-count": 3, "x-limit": 301.8 });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when a value is not below the upper bound", () => {
    const event = eventWithDetail({ "c-count": 1, "d-count": 10, "x-limit": 301.8 });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("does not match when the value is not equal", () => {
    const event = eventWithDetail({ "c-count": 1, "d-count": 1, "x-limit": 301.9 });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("matches the inclusive bounds when the range uses >= and <=", () => {
    const pricePattern = { Price: [{ numeric: [">=", 10, "<=", 20] }] };

    const matchedLow = matchesEventPattern(pricePattern, { Price: 10 });
    const matchedHigh = matchesEventPattern(pricePattern, { Price: 20 });
    const matchedAbove = matchesEventPattern(pricePattern, { Price: 20.000001 });

    expect(matchedLow).toBe(true);
    expect(matchedHigh).toBe(true);
    expect(matchedAbove).toBe(false);
  });

  it("matches more than 10 and at most 20 when the price range is > 10 and <= 20", () => {
    const pricePattern = { Price: [{ numeric: [">", 10, "<=", 20] }] };

    const matchedTen = matchesEventPattern(pricePattern, { Price: 10 });
    const matchedTwenty = matchesEventPattern(pricePattern, { Price: 20 });

    expect(matchedTen).toBe(false);
    expect(matchedTwenty).toBe(true);
  });

  it("matches a single lower bound when only >= is given", () => {
    const lowerPattern = { Price: [{ numeric: [">=", -1.5] }] };

    const matchedEqual = matchesEventPattern(lowerPattern, { Price: -1.5 });
    const matchedBelow = matchesEventPattern(lowerPattern, { Price: -2 });

    expect(matchedEqual).toBe(true);
    expect(matchedBelow).toBe(false);
  });

  it("does not match when the value is a numeric string", () => {
    const pricePattern = { Price: [{ numeric: ["=", 100] }] };

    const matched = matchesEventPattern(pricePattern, { Price: "100" });

    expect(matched).toBe(false);
  });

  it("does not match when the event number is beyond the supported range", () => {
    const pricePattern = { Price: [{ numeric: [">", 0] }] };

    const matched = matchesEventPattern(pricePattern, { Price: 6e9 });

    expect(matched).toBe(false);
  });

  it("matches when any element of an event array is in range", () => {
    const pricePattern = { Prices: [{ numeric: [">", 100] }] };

    const matched = matchesEventPattern(pricePattern, { Prices: [5, 150] });

    expect(matched).toBe(true);
  });
});

describe("exists matching", () => {
  it("matches when the field is present and exists is true", () => {
    const pattern = { detail: { state: [{ exists: true }] } };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(true);
  });

  it("does not match when the field is missing and exists is true", () => {
    const pattern = { ProductName: [{ exists: true }] };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });

  it("matches when the field is null and exists is true", () => {
    const pattern = { detail: { responseElements: [{ exists: true }] } };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(true);
  });

  it("matches when the field is missing and exists is false", () => {
    const pattern = { detail: { "c-count": [{ exists: false }] } };
    const event = {
      "detail-type": "EC2 Instance State-change Notification",
      resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
      detail: { state: ["initializing", "running"] },
    };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when the field is present and exists is false", () => {
    const pattern = { detail: { state: [{ exists: false }] } };

    const matched = matchesEventPattern(pattern, ec2Event);

    expect(matched).toBe(false);
  });

  it("matches exists false when the field holds an object because it is not a leaf", () => {
    const pattern = { detail: { "c-count": [{ exists: false }] } };
    const event = eventWithDetail({ state: ["initializing", "running"], "c-count": { c1: 100 } });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match exists true when the field holds an object", () => {
    const pattern = { detail: { "c-count": [{ exists: true }] } };
    const event = eventWithDetail({ "c-count": { c1: 100 } });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("matches exists false when the parent object is missing", () => {
    const pattern = { source: ["aws.ec2"], detail: { "c-count": [{ exists: false }] } };
    const event = { source: "aws.ec2" };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches exists false when the field holds an empty array", () => {
    const pattern = { resources: [{ exists: false }] };

    const matched = matchesEventPattern(pattern, autoScalingEvent);

    expect(matched).toBe(true);
  });
});

describe("IP address matching", () => {
  const pattern = { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } };

  it("matches when the address is inside the IPv4 block", () => {
    const matchedFirst = matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: "10.0.0.0" }));
    const matchedLast = matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: "10.0.0.255" }));

    expect(matchedFirst).toBe(true);
    expect(matchedLast).toBe(true);
  });

  it("does not match when the address is outside the IPv4 block", () => {
    const matched = matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: "10.0.1.1" }));

    expect(matched).toBe(false);
  });

  it("does not match when the value is not an IP address", () => {
    const matchedHost = matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: "example.com" }));
    const matchedNumber = matchesEventPattern(pattern, eventWithDetail({ sourceIPAddress: 10 }));

    expect(matchedHost).toBe(false);
    expect(matchedNumber).toBe(false);
  });

  it("matches when the address is inside the IPv6 block", () => {
    const ipv6Pattern = { ip: [{ cidr: "2001:db8::/32" }] };

    const matchedInside = matchesEventPattern(ipv6Pattern, { ip: "2001:DB8:0:0:1::1" });
    const matchedOutside = matchesEventPattern(ipv6Pattern, { ip: "2001:db9::1" });
    const matchedIpv4 = matchesEventPattern(ipv6Pattern, { ip: "10.0.0.1" });

    expect(matchedInside).toBe(true);
    expect(matchedOutside).toBe(false);
    expect(matchedIpv4).toBe(false);
  });

  it("matches the whole IPv4 space when the mask is /0", () => {
    const anyPattern = { ip: [{ cidr: "0.0.0.0/0" }] };

    const matched = matchesEventPattern(anyPattern, { ip: "203.0.113.9" });

    expect(matched).toBe(true);
  });

  it("matches an IP address literal written another way when the pattern lists the address", () => {
    const literalPattern = { ip: ["::1"] };

    const matched = matchesEventPattern(literalPattern, { ip: "0:0:0:0:0:0:0:1" });

    expect(matched).toBe(true);
  });
});

describe("$or matching", () => {
  const locationOrDay = { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] };

  it("matches when either alternative matches", () => {
    const matchedLocation = matchesEventPattern(locationOrDay, { Location: "New York", Day: "Friday" });
    const matchedDay = matchesEventPattern(locationOrDay, { Location: "Paris", Day: "Monday" });

    expect(matchedLocation).toBe(true);
    expect(matchedDay).toBe(true);
  });

  it("does not match when no alternative matches", () => {
    const matched = matchesEventPattern(locationOrDay, { Location: "Paris", Day: "Friday" });

    expect(matched).toBe(false);
  });

  it("requires the sibling fields as well when $or sits next to them", () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [{ metricName: ["CPUUtilization", "ReadLatency"] }, { namespace: ["AWS/EC2", "AWS/ES"] }],
    };

    const matchedBoth = matchesEventPattern(pattern, { source: "aws.cloudwatch", namespace: "AWS/ES" });
    const matchedOnlyOr = matchesEventPattern(pattern, { source: "aws.s3", namespace: "AWS/ES" });

    expect(matchedBoth).toBe(true);
    expect(matchedOnlyOr).toBe(false);
  });

  it("matches an alternative only when all of its fields match", () => {
    const pattern = {
      source: ["aws.cloudwatch"],
      $or: [
        { metricName: ["CPUUtilization"] },
        { metricType: ["MetricType"], namespace: ["AWS/EC2"] },
      ],
    };

    const matchedBoth = matchesEventPattern(pattern, {
      source: "aws.cloudwatch",
      metricType: "MetricType",
      namespace: "AWS/EC2",
    });
    const matchedHalf = matchesEventPattern(pattern, { source: "aws.cloudwatch", namespace: "AWS/EC2" });

    expect(matchedBoth).toBe(true);
    expect(matchedHalf).toBe(false);
  });

  it("matches nested and parallel $or when each group has a matching alternative", () => {
    const pattern = {
      $or: [{ metricName: ["CPUUtilization"] }, { namespace: ["AWS/EC2"] }],
      detail: {
        $or: [
          { source: ["aws.cloudwatch"] },
          { "detail-type": ["CloudWatch Alarm State Change"], $or: [{ a: [1] }, { b: [2] }] },
        ],
      },
    };

    const matchedInner = matchesEventPattern(pattern, {
      namespace: "AWS/EC2",
      detail: { "detail-type": "CloudWatch Alarm State Change", b: 2 },
    });
    const matchedNoInner = matchesEventPattern(pattern, {
      namespace: "AWS/EC2",
      detail: { "detail-type": "CloudWatch Alarm State Change", b: 3 },
    });

    expect(matchedInner).toBe(true);
    expect(matchedNoInner).toBe(false);
  });

  it("matches numeric alternatives when one of them holds", () => {
    const pattern = {
      detail: {
        $or: [
          { "c-count": [{ numeric: [">", 0, "<=", 5] }] },
          { "d-count": [{ numeric: ["<", 10] }] },
          { "x-limit": [{ numeric: ["=", 3.018e2] }] },
        ],
      },
    };

    const matched = matchesEventPattern(pattern, eventWithDetail({ "c-count": 50, "x-limit": 301.8 }));

    expect(matched).toBe(true);
  });
});

describe("combined content filters", () => {
  const pattern = {
    time: [{ prefix: "2017-10-02" }],
    detail: {
      state: [{ "anything-but": "initializing" }],
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ "anything-but": [100, 200, 300] }],
      "source-ip": [{ cidr: "10.0.0.0/8" }],
    },
  };
  const event = {
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    time: "2017-10-02T16:24:49Z",
    detail: {
      "c-count": 5,
      "d-count": 3,
      "x-limit": 301.8,
      "source-ip": "10.0.0.33",
      "instance-id": "i-000000aaaaaa00000",
      state: "running",
    },
  };

  it("matches when every filter holds", () => {
    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match when a single filter fails", () => {
    const excludedLimit = { ...event, detail: { ...event.detail, "x-limit": 200 } };

    const matched = matchesEventPattern(pattern, excludedLimit);

    expect(matched).toBe(false);
  });
});

describe("parseEventPattern", () => {
  it("compiles JSON text into a matcher when the pattern is a string", () => {
    const compiled = parseEventPattern('{ "source": ["aws.ec2"] }');

    const matched = compiled.matches(ec2Event);

    expect(matched).toBe(true);
  });

  it("reuses the compiled matcher when it is given several events", () => {
    const compiled = parseEventPattern({ detail: { state: ["terminated"] } });

    const results = [
      ec2Event,
      { ...ec2Event, detail: { state: "running" } },
      { ...ec2Event, detail: { state: "terminated" } },
    ].map((event) => compiled.matches(event));

    expect(results).toEqual([true, false, true]);
  });

  it("does not match when the event is not a JSON object", () => {
    const compiled = parseEventPattern({ detail: { state: [{ exists: false }] } });

    const results = [null, undefined, "{}", 5, [ec2Event]].map((event) => compiled.matches(event));

    expect(results).toEqual([false, false, false, false, false]);
  });

  it("ignores inherited properties when an event field is missing", () => {
    const compiled = parseEventPattern({ toString: [{ exists: true }] });

    const matched = compiled.matches({});

    expect(matched).toBe(false);
  });

  it("throws an InvalidEventPatternException error when the pattern is invalid", () => {
    const act = () => parseEventPattern({ source: "aws.ec2" });

    expect(act).toThrow(InvalidEventPatternError);
    expect(act).toThrow(
      expect.objectContaining({
        code: "InvalidEventPatternException",
        message: 'Field "source" must be an object or an array, got "aws.ec2"',
      }),
    );
  });

  it("throws the same validation errors when matching through matchesEventPattern", () => {
    const act = () => matchesEventPattern({ source: [] }, ec2Event);

    expect(act).toThrow(InvalidEventPatternError);
  });
});

describe("invalid patterns", () => {
  const cases: { name: string; pattern: unknown; message: string }[] = [
    // Pattern shape
    { name: "the text is not JSON", pattern: "{ source: aws.ec2 }", message: "Event pattern is not valid JSON" },
    { name: "the pattern is an array", pattern: "[]", message: "Event pattern must be a JSON object, got []" },
    { name: "the pattern is null", pattern: null, message: "Event pattern must be a JSON object, got null" },
    { name: "the pattern is a number", pattern: 5, message: "Event pattern must be a JSON object, got 5" },
    { name: "the pattern is an empty object", pattern: {}, message: "Empty objects are not allowed" },
    { name: "a nested object is empty", pattern: { detail: {} }, message: 'Empty objects are not allowed in field "detail"' },
    { name: "a leaf is a string", pattern: { source: "aws.ec2" }, message: 'Field "source" must be an object or an array, got "aws.ec2"' },
    { name: "a leaf is a number", pattern: { detail: { count: 5 } }, message: 'Field "detail.count" must be an object or an array, got 5' },
    { name: "a leaf is null", pattern: { source: null }, message: 'Field "source" must be an object or an array, got null' },
    { name: "a leaf array is empty", pattern: { source: [] }, message: 'Empty arrays are not allowed in field "source"' },
    { name: "a leaf array holds an array", pattern: { source: [["aws.ec2"]] }, message: 'Match value must be a string, number, boolean, null or operator object, got ["aws.ec2"]' },
    // Operator objects
    { name: "the operator is unknown", pattern: { source: [{ foo: "x" }] }, message: 'Unrecognized match type "foo"' },
    { name: "the operator is a reserved future one", pattern: { source: [{ contains: "x" }] }, message: 'Unrecognized match type "contains"' },
    { name: "the operator object has two keys", pattern: { source: [{ prefix: "a", suffix: "b" }] }, message: "Match expression must have exactly one key" },
    { name: "the operator object is empty", pattern: { source: [{}] }, message: "Match expression must have exactly one key, got {}" },
    { name: "prefix is a number", pattern: { source: [{ prefix: 5 }] }, message: "Prefix match needs a string" },
    { name: "prefix has an unknown option", pattern: { source: [{ prefix: { wildcard: "a" } }] }, message: 'Prefix match needs a string or {"equals-ignore-case": string}, got {"wildcard":"a"}' },
    { name: "prefix ignore-case is not a string", pattern: { source: [{ prefix: { "equals-ignore-case": 5 } }] }, message: "Prefix match needs a string" },
    { name: "suffix is null", pattern: { source: [{ suffix: null }] }, message: "Suffix match needs a string or" },
    { name: "equals-ignore-case is a list", pattern: { source: [{ "equals-ignore-case": ["a"] }] }, message: 'Equals-ignore-case needs a string, got ["a"]' },
    { name: "exists is not a boolean", pattern: { source: [{ exists: "yes" }] }, message: 'Exists match needs true or false, got "yes"' },
    // Wildcard
    { name: "a wildcard has consecutive stars", pattern: { source: [{ wildcard: "a**b" }] }, message: 'Wildcard "a**b" has consecutive "*" at position 1' },
    { name: "a wildcard escapes a plain character", pattern: { source: [{ wildcard: "a\\b" }] }, message: "has an invalid escape at position 1" },
    { name: "a wildcard ends with a lone backslash", pattern: { source: [{ wildcard: "ab\\" }] }, message: "has an invalid escape at position 2" },
    { name: "a wildcard is not a string", pattern: { source: [{ wildcard: 5 }] }, message: "Wildcard match needs a string, got 5" },
    // Anything-but
    { name: "anything-but is null", pattern: { state: [{ "anything-but": null }] }, message: "Anything-but needs a string, a number, or a list of only strings or only numbers, got null" },
    { name: "anything-but is a boolean", pattern: { state: [{ "anything-but": true }] }, message: "got true" },
    { name: "anything-but list is empty", pattern: { state: [{ "anything-but": [] }] }, message: "Anything-but list must not be empty" },
    { name: "anything-but list mixes strings and numbers", pattern: { state: [{ "anything-but": ["a", 1] }] }, message: 'got ["a",1]' },
    { name: "anything-but list holds null", pattern: { state: [{ "anything-but": [null] }] }, message: "got [null]" },
    { name: "anything-but number is out of range", pattern: { state: [{ "anything-but": 6e9 }] }, message: "Number 6000000000 is outside the supported range -5e9 to 5e9" },
    { name: "anything-but wraps numeric", pattern: { state: [{ "anything-but": { numeric: [">", 1] } }] }, message: 'Unsupported anything-but match type "numeric"' },
    { name: "anything-but wraps exists", pattern: { state: [{ "anything-but": { exists: false } }] }, message: 'Unsupported anything-but match type "exists"' },
    { name: "anything-but object has two keys", pattern: { state: [{ "anything-but": { prefix: "a", suffix: "b" } }] }, message: "Anything-but expression must have exactly one key" },
    { name: "anything-but prefix is empty", pattern: { state: [{ "anything-but": { prefix: "" } }] }, message: 'Anything-but "prefix" must not be empty' },
    { name: "anything-but suffix list is empty", pattern: { state: [{ "anything-but": { suffix: [] } }] }, message: 'Anything-but "suffix" needs a string or a non-empty list of strings, got []' },
    { name: "anything-but prefix is a number", pattern: { state: [{ "anything-but": { prefix: 5 } }] }, message: 'Anything-but "prefix" needs a string' },
    { name: "anything-but equals-ignore-case holds a number", pattern: { state: [{ "anything-but": { "equals-ignore-case": ["a", 1] } }] }, message: 'Anything-but "equals-ignore-case" needs a string' },
    { name: "anything-but wildcard has consecutive stars", pattern: { state: [{ "anything-but": { wildcard: ["*/lib/**"] } }] }, message: 'Wildcard "*/lib/**" has consecutive "*" at position 6' },
    // Numeric
    { name: "numeric is not an array", pattern: { n: [{ numeric: ">" }] }, message: 'Numeric match needs a non-empty array such as [">", 0, "<=", 5], got ">"' },
    { name: "numeric is an empty array", pattern: { n: [{ numeric: [] }] }, message: "got []" },
    { name: "numeric uses an unknown operator", pattern: { n: [{ numeric: ["!=", 5] }] }, message: 'Unrecognized numeric operator "!="' },
    { name: "numeric starts with a number", pattern: { n: [{ numeric: [5, ">"] }] }, message: "Unrecognized numeric operator 5" },
    { name: "numeric compares with a string", pattern: { n: [{ numeric: [">", "x"] }] }, message: 'Numeric operator ">" needs a number, got "x"' },
    { name: "numeric compares with a numeric string", pattern: { n: [{ numeric: ["=", "5"] }] }, message: 'Numeric operator "=" needs a number, got "5"' },
    { name: "numeric operator has no number", pattern: { n: [{ numeric: [">"] }] }, message: 'Numeric operator ">" needs a number, got nothing' },
    { name: "numeric equals has a second term", pattern: { n: [{ numeric: ["=", 1, "<", 5] }] }, message: "Numeric match has too many elements" },
    { name: "numeric range starts with an upper bound", pattern: { n: [{ numeric: ["<", 5, ">", 1] }] }, message: "Numeric match has too many elements" },
    { name: "numeric range has two lower bounds", pattern: { n: [{ numeric: [">", 1, ">=", 5] }] }, message: 'Numeric range upper bound needs "<" or "<=", got ">="' },
    { name: "numeric range has a third term", pattern: { n: [{ numeric: [">", 1, "<", 5, "<", 6] }] }, message: "Numeric match has too many elements" },
    { name: "numeric range is reversed", pattern: { n: [{ numeric: [">", 5, "<=", 1] }] }, message: "Numeric range lower bound 5 must be less than upper bound 1" },
    { name: "numeric range is empty", pattern: { n: [{ numeric: [">=", 5, "<=", 5] }] }, message: "Numeric range lower bound 5 must be less than upper bound 5" },
    { name: "numeric range upper bound is missing", pattern: { n: [{ numeric: [">", 1, "<"] }] }, message: 'Numeric operator "<" needs a number, got nothing' },
    { name: "a numeric bound is above 5e9", pattern: { n: [{ numeric: ["<", 5.000001e9] }] }, message: "Number 5000001000 is outside the supported range -5e9 to 5e9" },
    { name: "a numeric bound is below -5e9", pattern: { n: [{ numeric: [">", -6e9] }] }, message: "Number -6000000000 is outside the supported range" },
    // CIDR
    { name: "a CIDR has no mask", pattern: { ip: [{ cidr: "10.0.0.0" }] }, message: 'CIDR "10.0.0.0" must contain exactly one "/"' },
    { name: "a CIDR has two slashes", pattern: { ip: [{ cidr: "10.0.0.0/8/8" }] }, message: 'CIDR "10.0.0.0/8/8" must contain exactly one "/"' },
    { name: "a CIDR mask is not a number", pattern: { ip: [{ cidr: "10.0.0.0/abc" }] }, message: 'CIDR "10.0.0.0/abc" mask bits must be a non-negative integer' },
    { name: "a CIDR address has an octet above 255", pattern: { ip: [{ cidr: "10.0.0.256/24" }] }, message: 'CIDR "10.0.0.256/24" has an invalid IP address "10.0.0.256"' },
    { name: "a CIDR address is a host name", pattern: { ip: [{ cidr: "example.com/24" }] }, message: 'has an invalid IP address "example.com"' },
    { name: "an IPv4 CIDR mask is above 31", pattern: { ip: [{ cidr: "10.0.0.0/33" }] }, message: "mask bits must be at most 31 for IPv4" },
    { name: "an IPv4 CIDR mask is 32", pattern: { ip: [{ cidr: "10.0.0.1/32" }] }, message: "mask bits must be at most 31 for IPv4" },
    { name: "an IPv6 CIDR mask is 128", pattern: { ip: [{ cidr: "2001:db8::1/128" }] }, message: "mask bits must be at most 127 for IPv6" },
    { name: "a CIDR is not a string", pattern: { ip: [{ cidr: 10 }] }, message: "CIDR match needs a string, got 10" },
    // $or
    { name: "$or is an object", pattern: { $or: { a: [1] } }, message: '$or must be an array of objects, got {"a":[1]}' },
    { name: "$or has one alternative", pattern: { $or: [{ a: [1] }] }, message: "$or needs at least 2 alternatives, got 1" },
    { name: "$or is empty", pattern: { detail: { $or: [] } }, message: '$or needs at least 2 alternatives, got 0 in field "detail"' },
    { name: "$or holds a string", pattern: { $or: [{ a: [1] }, "b"] }, message: '$or alternatives must be objects, got "b"' },
    { name: "$or holds an empty object", pattern: { $or: [{ a: [1] }, {}] }, message: "Empty objects are not allowed" },
    { name: "$or uses an operator as a field name", pattern: { $or: [{ numeric: [1] }, { a: [1] }] }, message: 'Field name "numeric" is reserved and cannot be used inside $or' },
    { name: "$or alternative holds an invalid leaf", pattern: { $or: [{ a: [1] }, { b: "x" }] }, message: 'Field "b" must be an object or an array, got "x"' },
  ];

  it.each(cases)("throws when $name", ({ pattern, message }) => {
    const act = () => parseEventPattern(pattern);

    expect(act).toThrow(InvalidEventPatternError);
    expect(act).toThrow(message);
  });

  it("does not end messages with a period when it throws", () => {
    const messages = cases.map(({ pattern }) => {
      try {
        parseEventPattern(pattern);
        return "";
      } catch (error) {
        return (error as Error).message;
      }
    });

    expect(messages.filter((message) => message.endsWith("."))).toEqual([]);
  });
});

// aws/event-ruler joins keys with "." when it flattens patterns and events (README, "Caveat:
// Compiled rules and JSON keys with dots"), so a path matches whatever nesting spelled it.
describe("dotted field paths", () => {
  it("matches a nested pattern when the event spells the path as one dotted key", () => {
    const pattern = { detail: { state: { status: ["running"] } } };
    const event = eventWithDetail({ "state.status": "running" });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches a dotted pattern key when the event nests the path", () => {
    const pattern = { detail: { "state.status": ["running"] } };
    const event = eventWithDetail({ state: { status: "running" } });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("does not match a dotted pattern key when the value at the nested path differs", () => {
    const pattern = { detail: { "state.status": ["running"] } };
    const event = eventWithDetail({ state: { status: "stopped" }, "state.other": "running" });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("matches a nested pattern against a top-level event key that holds the dotted path", () => {
    const pattern = { detail: { x: ["1"] } };
    const event = { source: "aws.ec2", "detail.x": "1" };

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches when either spelling of the path holds the value and both are present", () => {
    const pattern = { detail: { state: { status: ["running"] } } };
    const event = eventWithDetail({ state: { status: "stopped" }, "state.status": "running" });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("keeps dotted fields of one array element together when an event array holds objects", () => {
    const pattern = { detail: { "items.name": ["disk"], "items.size": [2] } };
    const split = eventWithDetail({ items: [{ name: "disk", size: 1 }, { name: "cpu", size: 2 }] });
    const together = eventWithDetail({ items: [{ name: "cpu", size: 1 }, { "name": "disk", "size": 2 }] });

    const results = [split, together].map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([false, true]);
  });

  it("matches a nested pattern against dotted keys inside the objects of an event array", () => {
    const pattern = { detail: { items: { meta: { tag: ["hot"] }, size: [2] } } };
    const event = eventWithDetail({ items: [{ "meta.tag": "hot", size: 1 }, { "meta.tag": "cold", size: 2 }, { "meta.tag": "hot", size: 2 }] });
    const split = eventWithDetail({ items: [{ "meta.tag": "hot", size: 1 }, { "meta.tag": "cold", size: 2 }] });

    const results = [event, split].map((candidate) => matchesEventPattern(pattern, candidate));

    expect(results).toEqual([true, false]);
  });

  it("sees a dotted event key as present when exists is asked of the nested path", () => {
    const present = { detail: { state: { status: [{ exists: true }] } } };
    const absent = { detail: { state: { status: [{ exists: false }] } } };
    const event = eventWithDetail({ "state.status": "running" });

    const results = [present, absent].map((pattern) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, false]);
  });

  it("matches exists false on a dotted pattern key when neither spelling is in the event", () => {
    const pattern = { detail: { "state.status": [{ exists: false }] } };
    const event = eventWithDetail({ state: { code: 16 }, "state.name": "running" });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(true);
  });

  it("matches exists false inside an event array only in an element that the other fields chose", () => {
    const pattern = { detail: { items: { name: ["disk"], "meta.size": [{ exists: false }] } } };
    const sizedDisk = eventWithDetail({ items: [{ name: "disk", "meta.size": 1 }, { name: "cpu" }] });
    const unsizedDisk = eventWithDetail({ items: [{ name: "disk", meta: { size: 1 } }, { name: "disk" }] });

    const results = [sizedDisk, unsizedDisk].map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([false, true]);
  });

  it("does not match exists false inside an event array when any element holds the field and nothing else is asked", () => {
    const pattern = { detail: { items: { size: [{ exists: false }] } } };
    const event = eventWithDetail({ items: [{ size: 1 }, { name: "cpu" }] });

    const matched = matchesEventPattern(pattern, event);

    expect(matched).toBe(false);
  });

  it("applies anything-but to the value at a dotted path whichever spelling the event uses", () => {
    const pattern = { detail: { "state.status": [{ "anything-but": ["stopped"] }] } };
    const events = [
      eventWithDetail({ state: { status: "running" } }),
      eventWithDetail({ "state.status": "stopped" }),
      eventWithDetail({ state: {} }),
    ];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, false, false]);
  });

  it("matches $or alternatives that spell the same path differently", () => {
    const pattern = {
      detail: { $or: [{ "state.status": ["running"] }, { state: { code: [{ numeric: [">", 10] }] } }] },
    };
    const events = [
      eventWithDetail({ state: { status: "running" } }),
      eventWithDetail({ "state.code": 16 }),
      eventWithDetail({ "state.status": "stopped", "state.code": 8 }),
    ];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, true, false]);
  });

  it("compares numbers at a dotted path", () => {
    const pattern = { detail: { state: { code: [{ numeric: [">=", 16, "<", 32] }] } } };
    const events = [eventWithDetail({ "state.code": 16 }), eventWithDetail({ "state.code": 48 })];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, false]);
  });

  it("matches a prefix at a dotted path", () => {
    const pattern = { "detail.instance.id": [{ prefix: "i-0" }] };
    const events = [
      eventWithDetail({ "instance.id": "i-0abc" }),
      eventWithDetail({ instance: { id: "i-1abc" } }),
    ];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, false]);
  });

  it("keeps the last condition in document order when nested and dotted keys give one path twice", () => {
    const pattern = { detail: { state: { status: ["a"] }, "state.status": ["b"] } };
    const events = [eventWithDetail({ state: { status: "a" } }), eventWithDetail({ state: { status: "b" } })];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([false, true]);
  });

  it("lets an $or alternative override a path given outside it when the $or comes later", () => {
    const pattern = { "detail.state": ["a"], detail: { $or: [{ state: ["b"] }, { code: [1] }] } };
    const events = [
      eventWithDetail({ state: "b" }),
      eventWithDetail({ state: "a", code: 1 }),
      eventWithDetail({ state: "b", code: 1 }),
    ];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, true, true]);
  });

  it("keeps an outer path over an $or alternative when the outer key comes later", () => {
    const pattern = { detail: { $or: [{ state: ["b"] }, { code: [1] }] }, "detail.state": ["a"] };
    const events = [eventWithDetail({ state: "b" }), eventWithDetail({ state: "a", code: 1 }), eventWithDetail({ state: "a" })];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([false, true, true]);
  });

  it("accepts one path in two $or alternatives when each spells it differently", () => {
    const pattern = { detail: { $or: [{ "state.status": ["running"] }, { state: { status: ["pending"] } }] } };
    const events = [eventWithDetail({ "state.status": "pending" }), eventWithDetail({ state: { status: "stopped" } })];

    const results = events.map((event) => matchesEventPattern(pattern, event));

    expect(results).toEqual([true, false]);
  });

  const key = fc.constantFrom("a", "b", "c");
  const leafValue = fc.constantFrom("x", "y", 1, 2, null);
  const condition = fc.oneof(
    leafValue,
    fc.constant({ exists: true }),
    fc.constant({ exists: false }),
    fc.constant({ prefix: "x" }),
    fc.constant({ "anything-but": "x" }),
    fc.constant({ numeric: [">", 1] }),
  );
  const nestedPattern = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
    node: fc.dictionary(key, fc.oneof({ depthSize: "small" }, fc.array(condition, { minLength: 1, maxLength: 3 }), tie("node")), {
      minKeys: 1,
      maxKeys: 3,
    }),
  })).node;
  const nestedEvent = fc.letrec<{ node: Record<string, unknown> }>((tie) => ({
    node: fc.dictionary(
      key,
      fc.oneof({ depthSize: "small" }, leafValue, fc.array(fc.oneof(leafValue, tie("node")), { maxLength: 3 }), tie("node")),
      { maxKeys: 3 },
    ),
  })).node;

  /** Joins nested object keys into dotted keys where `collapse` says so, leaving arrays alone. */
  function collapseKeys(object: Record<string, unknown>, collapse: () => boolean): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(object)) {
      const isObject = typeof value === "object" && value !== null && !Array.isArray(value);
      if (isObject && collapse()) {
        for (const [inner, innerValue] of Object.entries(collapseKeys(value as Record<string, unknown>, collapse))) {
          result[`${name}.${inner}`] = innerValue;
        }
      } else {
        result[name] = isObject ? collapseKeys(value as Record<string, unknown>, collapse) : value;
      }
    }
    return result;
  }

  function decisions(choices: readonly boolean[]): () => boolean {
    let next = 0;
    return () => choices[next++ % choices.length];
  }

  /** An event that meets each field's first condition, with objects put in arrays where `wrap` says so. */
  function witness(pattern: Record<string, unknown>, wrap: () => boolean): Record<string, unknown> {
    const event: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(pattern)) {
      if (!Array.isArray(value)) {
        const inner = witness(value as Record<string, unknown>, wrap);
        event[name] = wrap() ? [inner, { c: "y" }] : inner;
        continue;
      }
      const [first] = value as unknown[];
      if (typeof first !== "object" || first === null) event[name] = first;
      else if ("exists" in first) {
        if (first.exists === true) event[name] = "x";
      } else if ("prefix" in first) event[name] = "xa";
      else if ("anything-but" in first) event[name] = "y";
      else event[name] = 2;
    }
    return event;
  }

  it("matches the same events whether the pattern nests its keys or joins them with dots", () => {
    fc.assert(
      fc.property(
        nestedPattern,
        fc.array(fc.boolean(), { minLength: 1 }),
        fc.array(nestedEvent, { minLength: 1, maxLength: 4 }),
        (pattern, choices, randomEvents) => {
          const events = [witness(pattern, decisions(choices)), ...randomEvents];
          const nested = parseEventPattern(pattern);
          const dotted = parseEventPattern(collapseKeys(pattern, decisions(choices)));

          const verdicts = events.map((event) => [nested.matches(event), dotted.matches(event)]);

          for (const [fromNested, fromDotted] of verdicts) expect(fromDotted).toBe(fromNested);
        },
      ),
    );
  });

  it("matches an event the same whether it nests its keys or joins them with dots", () => {
    fc.assert(
      fc.property(
        nestedPattern,
        fc.option(nestedEvent),
        fc.array(fc.boolean(), { minLength: 1 }),
        (pattern, randomEvent, choices) => {
          const event = randomEvent ?? witness(pattern, decisions(choices));
          const compiled = parseEventPattern(pattern);

          const fromNested = compiled.matches(event);
          const fromDotted = compiled.matches(collapseKeys(event, decisions([...choices].reverse())));

          expect(fromDotted).toBe(fromNested);
        },
      ),
    );
  });
});

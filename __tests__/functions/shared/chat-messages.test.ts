import { describe, expect, it } from "vitest";
import { CHAT_TYPES, parseChatRequest } from "../../../functions/shared/chat-messages";
import { ClientError } from "../../../functions/shared/errors";

function codeOf(body: string | null): string {
  try {
    parseChatRequest(body, "type", 20);
  } catch (error) {
    return (error as ClientError).code;
  }
  return "OK";
}

describe("parseChatRequest", () => {
  it.each([
    ["not JSON", "{", "INVALID_JSON"],
    ["empty", "", "INVALID_JSON"],
    ["a JSON array", "[]", "INVALID_MESSAGE"],
    ["a JSON string", '"chat"', "INVALID_MESSAGE"],
    ["without a type", '{"message":"hi"}', "INVALID_MESSAGE"],
    ["with a numeric type", '{"type":1}', "INVALID_MESSAGE"],
    ["of an unknown type", '{"type":"shout"}', "UNKNOWN_TYPE"],
    ["a chat without message", '{"type":"chat"}', "INVALID_MESSAGE"],
    ["a chat with a numeric message", '{"type":"chat","message":5}', "INVALID_MESSAGE"],
    ["a chat of blanks", '{"type":"chat","message":"  \\n "}', "EMPTY_MESSAGE"],
    ["a chat over the limit", JSON.stringify({ type: "chat", message: "x".repeat(21) }), "MESSAGE_TOO_LONG"],
    ["a chat at the limit", JSON.stringify({ type: "chat", message: "x".repeat(20) }), "OK"],
    ["a join of a bad room", '{"type":"join_room","roomId":"a b"}', "INVALID_ROOM_ID"],
    ["a join without room", '{"type":"join_room"}', "INVALID_MESSAGE"],
    ["a private message without target", '{"type":"private_message","message":"hi"}', "INVALID_MESSAGE"],
    ["a private message to an empty target", '{"type":"private_message","targetUserId":"","message":"hi"}', "INVALID_MESSAGE"],
    ["an empty private message", '{"type":"private_message","targetUserId":"bob","message":""}', "EMPTY_MESSAGE"],
    ["a typing indicator with a string", '{"type":"typing_indicator","isTyping":"yes"}', "INVALID_MESSAGE"],
    ["a history of 0", '{"type":"history","limit":0}', "INVALID_MESSAGE"],
    ["a history of 101", '{"type":"history","limit":101}', "INVALID_MESSAGE"],
    ["a history of 2.5", '{"type":"history","limit":2.5}', "INVALID_MESSAGE"],
    ["a history of a room and a user", '{"type":"history","roomId":"a","withUserId":"b"}', "INVALID_MESSAGE"],
    ["a history of a bad room", '{"type":"history","roomId":"../x"}', "INVALID_ROOM_ID"],
    ["a history of 100", '{"type":"history","limit":100}', "OK"],
  ])("does answer %s with %s", (_name, body, code) => {
    // act
    const answered = codeOf(body);
    // assess
    expect(answered).toBe(code);
  });

  it("does name every type in the error when the type is unknown", () => {
    // act
    const act = () => parseChatRequest('{"type":"shout"}', "type", 20);
    // assess
    expect(act).toThrow(CHAT_TYPES.join(", "));
  });

  it("does keep only the fields of the type when a message carries more", () => {
    // act
    const request = parseChatRequest('{"type":"chat","message":"hi","userId":"mallory","roomId":"secret"}', "type", 20);
    // assess
    expect(request).toEqual({ type: "chat", message: "hi" });
  });

  it("does count characters, not UTF-16 units, against the limit", () => {
    // act
    const request = parseChatRequest(JSON.stringify({ type: "chat", message: "😀".repeat(20) }), "type", 20);
    // assess
    expect(request).toMatchObject({ type: "chat" });
  });
});

import { execFileSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join as joinPath } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type LocalRuntime } from "../../local/runtime";
import { PokerSignalingStack } from "../../stacks/poker-signaling-stack";
import { idToken } from "./json-client";
import { prepareProject } from "./support";

/**
 * The proof that the signaling protocol carries real SDP and ICE: two headless Chromium pages negotiate a WebRTC
 * connection through the local signaling server and talk over an RTCDataChannel. The browser is Debian's
 * (`CHROMIUM_PATH`, else `chromium` on PATH); `.ci/run` installs it and sets REQUIRE_BROWSER, so that there its
 * absence fails instead of skipping.
 */
function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  try {
    return execFileSync("sh", ["-c", "command -v chromium"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const executablePath = chromiumPath();
if (!executablePath && process.env.REQUIRE_BROWSER) throw new Error("REQUIRE_BROWSER is set but no Chromium was found: install Debian's chromium or set CHROMIUM_PATH");

const STACK = "poker-signaling";
let root: string;
let runtime: LocalRuntime;
let pages: Server;
let browser: Browser;

describe.skipIf(!executablePath)("a real WebRTC connection through the local signaling server", () => {
  beforeAll(async () => {
    // No STUN: the machine is offline, and two pages on one host connect over host candidates.
    root = prepareProject((app) => [new PokerSignalingStack(app, STACK, { region: "us-east-1", iceServers: { stunUrls: [] } })]);
    runtime = await startRuntime({ outDir: joinPath(root, "cdktf.out"), log: () => undefined, prewarm: "wait" });
    const html = readFileSync(joinPath(__dirname, "browser", "peer.html"));
    pages = createServer((_, response) => response.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(html));
    await new Promise<void>((resolve) => pages.listen(0, "127.0.0.1", resolve));
    browser = await chromium.launch({
      executablePath,
      args: ["--headless", "--no-sandbox", "--disable-background-networking", "--disable-component-update"],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    pages?.close();
    await runtime?.close();
    rmSync(root, { recursive: true, force: true });
  });

  async function openPeer(playerId: string, gameId: string): Promise<Page> {
    const page = await browser.newPage();
    const url = new URL(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`);
    url.searchParams.set("ws", runtime.endpoints.stacks[STACK].websocket!.url);
    url.searchParams.set("gameId", gameId);
    url.searchParams.set("playerId", playerId);
    url.searchParams.set("token", await idToken(runtime, runtime.endpoints.stacks[STACK].userPools.players.id, playerId));
    await page.goto(url.toString());
    await page.waitForFunction(() => (globalThis as unknown as { peerState: { events: string[] } }).peerState.events.some((line) => line.startsWith("<- joined")));
    return page;
  }

  interface PeerState {
    events: string[];
    received: { from: string; data: string }[];
    open: string[];
    errors: string[];
  }
  const stateOf = (page: Page) => page.evaluate(() => (globalThis as unknown as { peerState: PeerState }).peerState);

  it("does negotiate a data channel between two browsers and carry a message each way", async () => {
    // prepare
    const gameId = `webrtc-${Date.now().toString(36)}`;
    const alice = await openPeer("alice", gameId);
    // act
    const bob = await openPeer("bob", gameId);
    for (const page of [alice, bob]) await page.waitForFunction(() => (globalThis as unknown as { peerState: PeerState }).peerState.received.length > 0, undefined, { timeout: 20_000 });
    const [aliceState, bobState] = await Promise.all([stateOf(alice), stateOf(bob)]);
    // assess
    expect(aliceState.received).toEqual([{ from: "bob", data: "hello from bob" }]);
    expect(bobState.received).toEqual([{ from: "alice", data: "hello from alice" }]);
    expect(aliceState.errors).toEqual([]);
    expect(bobState.errors).toEqual([]);
    expect(bobState.events).toContain("<- answer from alice");
    expect(aliceState.events).toContain("<- offer from bob");
    expect(aliceState.events.some((line) => line === "<- ice-candidate from bob")).toBe(true);
  }, 60_000);
});

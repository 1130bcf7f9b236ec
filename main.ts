import { App } from "cdktf";
import { GameVoiceStack } from "./stacks/game-voice-stack";
import { regionFromEnvironment } from "./stacks/providers";

const app = new App();
const region = regionFromEnvironment();

new GameVoiceStack(app, "game-voice", { region });

app.synth();

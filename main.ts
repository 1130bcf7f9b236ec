import { App } from "cdktf";
import { composeStacks } from "./stacks/app";
import { regionFromEnvironment } from "./stacks/providers";

const app = new App();
composeStacks(app, regionFromEnvironment());
app.synth();

/**
 * The secrets of every stack the runtime runs, with their versions and staging labels, found as Secrets Manager finds
 * them (name, ARN, or ARN without its random suffix). Values put locally are kept, with a data folder, in
 * `<dataDir>/<stackId>.json`, one file per stack, rewritten whole (write and rename) on every put.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretModel, SecretVersionModel } from "./service";

/** A version as the store keeps it: the model's, without its address, and when it was created (epoch milliseconds). */
export interface StoredVersion extends Omit<SecretVersionModel, "address"> {
  createdDate: number;
}

export interface StoredSecret extends Pick<SecretModel, "name" | "arn" | "description" | "kmsKeyId"> {
  stackId: string;
  createdDate: number;
  lastChangedDate: number;
  versions: StoredVersion[];
}

export type NewVersion = Omit<StoredVersion, "createdDate">;

export interface LocalSecretsOptions {
  /** Where values put locally are kept between runs. @default - in memory only */
  dataDir?: string;
  now?: () => number;
}

export class LocalSecrets {
  private readonly secrets: StoredSecret[] = [];
  private readonly now: () => number;
  /** Secrets with a version put locally (in this run or a kept one): only these are kept, so a stack's own value can change. */
  private readonly putLocally = new Set<StoredSecret>();

  constructor(private readonly options: LocalSecretsOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Takes a stack's secrets, and the versions put locally in an earlier run when the data folder has them; gives the names of those. */
  addStack(stackId: string, models: readonly SecretModel[]): string[] {
    const kept = this.readKept(stackId);
    const created = this.now();
    for (const model of models) {
      const other = this.secrets.find((secret) => secret.name === model.name);
      if (other) throw new Error(`Secret ${model.name} is defined by stacks ${other.stackId} and ${stackId}`);
      const secret: StoredSecret = {
        stackId,
        name: model.name,
        arn: model.arn,
        description: model.description,
        kmsKeyId: model.kmsKeyId,
        createdDate: created,
        lastChangedDate: created,
        versions: kept.get(model.name) ?? model.versions.map(({ versionId, secretString, secretBinary, stages }) => ({ versionId, secretString, secretBinary, stages: [...stages], createdDate: created })),
      };
      this.secrets.push(secret);
      if (kept.has(model.name)) this.putLocally.add(secret);
    }
    return models.filter((model) => kept.has(model.name)).map((model) => model.name);
  }

  /** The secret that `secretId` names: its name, its ARN, or its ARN without the six random characters. */
  find(secretId: string): StoredSecret | undefined {
    return this.secrets.find((secret) => secret.arn === secretId || secret.name === secretId || secret.arn.slice(0, -7) === secretId);
  }

  /** Adds a version; the labels it takes move from the versions that had them, and the AWSCURRENT it takes leaves AWSPREVIOUS behind. */
  put(secret: StoredSecret, version: NewVersion): StoredVersion {
    const previous = version.stages.includes("AWSCURRENT") ? secret.versions.find((known) => known.stages.includes("AWSCURRENT")) : undefined;
    for (const known of secret.versions) {
      known.stages = known.stages.filter((stage) => !version.stages.includes(stage) && !(previous && stage === "AWSPREVIOUS"));
    }
    if (previous) previous.stages.push("AWSPREVIOUS");
    const stored: StoredVersion = { ...version, stages: [...version.stages], createdDate: this.now() };
    secret.versions.push(stored);
    // A version with no label left is deprecated; AWS keeps about 100, the local runtime keeps those that have a label.
    secret.versions = secret.versions.filter((known) => known.stages.length > 0);
    secret.lastChangedDate = stored.createdDate;
    this.putLocally.add(secret);
    this.keep(secret.stackId);
    return stored;
  }

  private fileOf(stackId: string): string | undefined {
    return this.options.dataDir && join(this.options.dataDir, `${stackId}.json`);
  }

  private readKept(stackId: string): Map<string, StoredVersion[]> {
    const file = this.fileOf(stackId);
    if (!file || !existsSync(file)) return new Map();
    try {
      return new Map(Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, StoredVersion[]>));
    } catch (error) {
      throw new Error(`Cannot read the secret values kept in ${file}: ${(error as Error).message}`);
    }
  }

  private keep(stackId: string): void {
    const file = this.fileOf(stackId);
    if (!file) return;
    const kept = Object.fromEntries([...this.putLocally].filter((secret) => secret.stackId === stackId).map((secret) => [secret.name, secret.versions]));
    mkdirSync(this.options.dataDir!, { recursive: true });
    writeFileSync(`${file}.tmp`, JSON.stringify(kept));
    renameSync(`${file}.tmp`, file);
  }
}
